package studio.reyna.db;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * A fresh, migrated database on the real PostgreSQL the tests run against (127.0.0.1:5432 with
 * trust authentication, or {@code REYNA_TEST_PG} = a {@code jdbc:postgresql://host:port} base URL).
 * Each test JVM gets its own database, dropped when the JVM exits.
 */
public final class TestDatabase {
    private static final String BASE = System.getenv().getOrDefault("REYNA_TEST_PG", "jdbc:postgresql://127.0.0.1:5432");
    private static final String ADMIN_URL = BASE + "/postgres?user=postgres";
    private static volatile Database shared;
    private static volatile String sharedUrl;

    private TestDatabase() {
    }

    /** The database of this test JVM, created and migrated on first use. */
    public static synchronized Database shared() {
        if (shared == null) {
            sharedUrl = createEmpty();
            shared = Database.connect(sharedUrl, 10);
            new Migrations(shared.dataSource()).apply();
        }
        return shared;
    }

    /** The JDBC URL of {@link #shared()}: for starting a whole studio on the same database. */
    public static String sharedJdbcUrl() {
        shared();
        return sharedUrl;
    }

    /** A new empty database (not migrated) that is dropped when the JVM exits. */
    public static String createEmpty() {
        String name = "reyna_test_" + UUID.randomUUID().toString().replace("-", "");
        admin("create database " + name);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                admin("drop database if exists " + name + " with (force)");
            } catch (RuntimeException ignored) {
                // The server may already be gone at exit; the database is then dropped with it.
            }
        }));
        return BASE + "/" + name + "?user=postgres";
    }

    private static void admin(String sql) {
        try (var connection = DriverManager.getConnection(ADMIN_URL); var statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot reach the test PostgreSQL at " + ADMIN_URL
                    + " (bin/test starts it): " + e.getMessage(), e);
        }
    }
}
