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

    private static boolean hasState(Throwable error, String sqlState) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sqlState.equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
