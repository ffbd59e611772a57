package studio.reyna.db;

import java.sql.SQLException;

/** Recognises the PostgreSQL errors that mean "the client's request conflicts", not "we failed". */
public final class SqlErrors {
    private SqlErrors() {
    }

    public static boolean isUniqueViolation(Throwable error) {
        return hasState(error, "23505");
    }

    public static boolean isForeignKeyViolation(Throwable error) {
        return hasState(error, "23503");
    }

    /**
     * A failure that says nothing about the request and may pass if it is sent again: a deadlock
     * or serialization failure, or no free connection in the pool in time.
     */
    public static boolean isTransient(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException) {
                return true;
            }
        }
        // Serialization failure, deadlock, and a lock not obtained within lock_timeout.
        return hasState(error, "40001") || hasState(error, "40P01") || hasState(error, "55P03");
    }

    private static boolean hasState(Throwable error, String sqlState) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sqlState.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
