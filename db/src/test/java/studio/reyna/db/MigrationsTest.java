package studio.reyna.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class MigrationsTest {
    @Test
    void migrating_twice_applies_nothing_the_second_time() {
        var db = Database.connect(TestDatabase.createEmpty(), 2);
        try (db) {
            var migrations = new Migrations(db.dataSource());
            assertThat(migrations.apply()).isPositive();
            assertThat(migrations.apply()).isZero();
            assertThat(Migrations.appliedVersion(db.jdbi())).isEqualTo(migrations.expectedVersion());
            assertThat(db.isReachable()).isTrue();
        }
    }

    @Test
    void a_node_stays_ready_when_the_database_is_newer_than_its_build() {
        assertThat(Migrations.isAtLeast("4", "4")).isTrue();
        assertThat(Migrations.isAtLeast("10", "4")).isTrue();
        assertThat(Migrations.isAtLeast("3", "4")).isFalse();
        assertThat(Migrations.isAtLeast("none", "4")).isFalse();
    }

    @Test
    void a_published_schema_version_cannot_be_changed_or_removed_in_sql() {
        var jdbi = TestDatabase.shared().jdbi();
        UUID owner = UUID.randomUUID();
        String schemaId = "immutable-" + owner.toString().substring(0, 8);
        jdbi.useTransaction(h -> {
            h.execute("insert into users (id, email, display_name, password_hash) values (?, ?, 'x', 'x')",
                    owner, owner + "@example.org");
            h.execute("insert into schemas (id, owner_id, name) values (?, ?, 'n')", schemaId, owner);
            h.execute("insert into schema_versions (schema_id, version, document) values (?, 1, '{\"type\":\"object\"}')",
                    schemaId);
        });

        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute(
                "update schema_versions set document = '{}' where schema_id = ?", schemaId)))
                .hasMessageContaining("immutable");
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute(
                "delete from schema_versions where schema_id = ?", schemaId)))
                .hasMessageContaining("immutable");
        assertThatThrownBy(() -> jdbi.useHandle(h -> h.execute("truncate schema_versions cascade")))
                .hasMessageContaining("immutable");
        String document = jdbi.withHandle(h -> h.createQuery(
                "select document::text from schema_versions where schema_id = ?").bind(0, schemaId)
                .mapTo(String.class).one());
        assertThat(document).isEqualTo("{\"type\":\"object\"}");
    }
}
