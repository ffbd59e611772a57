package studio.reyna.db.backup;

import java.sql.Connection;
import java.sql.SQLException;

/** The PostgreSQL server a command works with: its major version decides which client programs fit. */
record Server(int major, String version) {
    static Server of(Connection connection) throws SQLException {
        int number = Integer.parseInt(Contents.single(connection, "show server_version_num"));
        return new Server(number / 10_000, Contents.single(connection, "show server_version").split(" ")[0]);
    }
}
