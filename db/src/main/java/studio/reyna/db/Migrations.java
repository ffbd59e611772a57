package studio.reyna.db;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.jdbi.v3.core.Jdbi;

/** Brings the database schema up to date (Flyway, scripts in {@code db/migration}). */
public final class Migrations {
    private final Flyway flyway;

    public Migrations(DataSource dataSource) {
        this.flyway = Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                // Several nodes may start together: Flyway serialises them with a lock.
                .lockRetryCount(120)
                .load();
    }

    /** Applies what is pending; returns how many migrations ran. */
    public int apply() {
        return flyway.migrate().migrationsExecuted;
    }

    /** The newest version this build knows. */
    public String expectedVersion() {
        MigrationVersion latest = null;
        for (var info : flyway.info().all()) {
            if (info.getVersion() != null && (latest == null || info.getVersion().compareTo(latest) > 0)) {
                latest = info.getVersion();
            }
        }
        return latest == null ? "0" : latest.getVersion();
    }

    /**
     * True when the database is at least at {@code expected}: during a rolling upgrade, nodes of the
     * older build stay ready after a newer one has migrated.
     */
    public static boolean isAtLeast(String applied, String expected) {
        try {
            return MigrationVersion.fromVersion(applied).compareTo(MigrationVersion.fromVersion(expected)) >= 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The newest version applied to the database, read cheaply for readiness checks. */
    public static String appliedVersion(Jdbi jdbi) {
        return jdbi.withHandle(h -> h.createQuery("""
                select version from flyway_schema_history
                where success and version is not null
                order by installed_rank desc limit 1""").mapTo(String.class).findOne().orElse("0"));
    }
}
