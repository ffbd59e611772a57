package studio.reyna.db.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import studio.reyna.db.DatabaseUrl;

class PgToolsTest {
    @Test
    void the_password_goes_to_libpq_in_the_environment_and_the_rest_of_the_url_too() {
        var env = PgTools.environment(DatabaseUrl.toJdbc("postgresql://reyna:p%40ss+word@db.example.org:6432/studio?sslmode=require"));
        assertThat(env).containsEntry("PGHOST", "db.example.org").containsEntry("PGPORT", "6432")
                .containsEntry("PGDATABASE", "studio").containsEntry("PGUSER", "reyna")
                .containsEntry("PGPASSWORD", "p@ss+word").containsEntry("PGSSLMODE", "require");

        var several = PgTools.environment("jdbc:postgresql://a:5433,[::1]/studio?user=postgres");
        assertThat(several).containsEntry("PGHOST", "a,::1").containsEntry("PGPORT", "5433,5432").doesNotContainKey("PGPASSWORD");
    }

    @Test
    void a_program_older_than_the_server_is_not_chosen_and_the_error_says_what_to_install() {
        // The client of the test machine's PostgreSQL (Debian 12: version 15).
        Path debian15 = Path.of("/usr/lib/postgresql/15/bin");
        assertThat(PgTools.find("pg_dump", 15, debian15.toString())).hasValueSatisfying(program -> {
            assertThat(program.major()).isGreaterThanOrEqualTo(15);
            assertThat(program.path()).isEqualTo(debian15.resolve("pg_dump"));
        });
        assertThat(PgTools.find("pg_dump", 99, debian15.toString())).isEmpty();
        assertThat(PgTools.missing("pg_dump", 99, "99.1", PgTools.candidates("pg_dump", debian15.toString())))
                .contains("PostgreSQL 99.1", "version 99 or later", debian15.resolve("pg_dump").toString(),
                        "postgresql-client-99", "REYNA_PG_BIN");
    }
}
