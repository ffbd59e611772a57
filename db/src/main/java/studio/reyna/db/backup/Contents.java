package studio.reyna.db.backup;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/** What a studio's database holds, in the few figures the commands report before and after. */
record Contents(String schemaVersion, long users, long blobs) {

    /** The studio in the connection's database; empty when it holds none (no Flyway history). */
    static Optional<Contents> of(Connection connection) throws SQLException {
        if (!exists(connection, "flyway_schema_history")) {
            return Optional.empty();
        }
        String version = single(connection, """
                select coalesce((select version from flyway_schema_history where success and version is not null
                                 order by installed_rank desc limit 1), '0')""");
        long users = exists(connection, "users") ? Long.parseLong(single(connection, "select count(*) from users")) : 0;
        long blobs = exists(connection, "blobs") ? Long.parseLong(single(connection, "select count(*) from blobs")) : 0;
        return Optional.of(new Contents(version, users, blobs));
    }

    /** Relations of any kind in the connection's current schema: a restore needs an empty one. */
    static long relationsInCurrentSchema(Connection connection) throws SQLException {
        return Long.parseLong(single(connection, """
                select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                where n.nspname = current_schema()"""));
    }

    @Override
    public String toString() {
        return "schema version " + schemaVersion + ", " + users + " users, " + blobs + " blobs";
    }

    private static boolean exists(Connection connection, String table) throws SQLException {
        try (var statement = connection.prepareStatement("select to_regclass(?) is not null")) {
            statement.setString(1, table);
            try (var rows = statement.executeQuery()) {
                rows.next();
                return rows.getBoolean(1);
            }
        }
    }

    static String single(Connection connection, String sql) throws SQLException {
        try (var statement = connection.createStatement(); var rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }
}
