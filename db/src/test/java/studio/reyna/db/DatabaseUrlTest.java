package studio.reyna.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseUrlTest {
    @Test
    void keeps_a_jdbc_url_as_it_is() {
        assertThat(DatabaseUrl.toJdbc("jdbc:postgresql://db:5432/reyna?user=r"))
                .isEqualTo("jdbc:postgresql://db:5432/reyna?user=r");
    }

    @Test
    void turns_a_postgresql_url_with_credentials_into_jdbc() {
        assertThat(DatabaseUrl.toJdbc("postgresql://ann:p%40ss@db.example:6543/studio?sslmode=require"))
                .isEqualTo("jdbc:postgresql://db.example:6543/studio?user=ann&password=p%40ss&sslmode=require");
    }

    @Test
    void keeps_a_plus_in_a_password() {
        assertThat(DatabaseUrl.toJdbc("postgresql://ann:a+b@db/x")).isEqualTo("jdbc:postgresql://db/x?user=ann&password=a%2Bb");
    }

    @Test
    void accepts_the_short_postgres_scheme_without_port_or_database() {
        assertThat(DatabaseUrl.toJdbc("postgres://db")).isEqualTo("jdbc:postgresql://db/postgres");
    }

    @Test
    void refuses_other_schemes_with_a_clear_message() {
        assertThatThrownBy(() -> DatabaseUrl.toJdbc("mysql://db/x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("postgresql://");
        assertThatThrownBy(() -> DatabaseUrl.toJdbc(" ")).hasMessageContaining("empty");
    }
}
