package studio.reyna.db.backup;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A logical backup: {@code pg_dump}'s custom format, restorable with {@code pg_restore} into any
 * PostgreSQL of the same or a later major version.
 */
final class DumpArchive {
    /** The first bytes of every custom-format archive. */
    static final byte[] MAGIC = "PGDMP".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** A studio's archive holds Flyway's history table, whatever the schema is called. */
    private static final Pattern STUDIO_TABLE = Pattern.compile("(?m)\\bTABLE \\S+ flyway_schema_history\\b");

    private DumpArchive() {
    }

    /** Dumps the studio's database to {@code out} with a {@code pg_dump} at least as new as its server. */
    static void write(String jdbcUrl, Server server, Path out, String pgBin, Progress progress) {
        var pgDump = PgTools.find("pg_dump", server.major(), pgBin).orElseThrow(() -> new Backups.Refused(
                PgTools.missing("pg_dump", server.major(), server.version(), PgTools.candidates("pg_dump", pgBin))));
        progress.say("dumping with pg_dump " + pgDump.version() + " (" + pgDump.path() + "), custom format");
        var result = PgTools.run(List.of(pgDump.path().toString(), "--format=custom", "--no-password", "--file=" + out),
                PgTools.environment(jdbcUrl));
        if (result.exit() != 0) {
            throw new IllegalStateException("pg_dump failed (exit " + result.exit() + "): " + result.why());
        }
    }

    /**
     * Checks that {@code file} is a studio's archive this machine can read, before anything is
     * changed; answers the {@code pg_restore} to restore it with into {@code server}.
     */
    static PgTools.Program check(Path file, Server server, String pgBin) {
        var pgRestore = PgTools.find("pg_restore", server.major(), pgBin).orElseThrow(() -> new Backups.Refused(
                PgTools.missing("pg_restore", server.major(), server.version(), PgTools.candidates("pg_restore", pgBin))));
        var list = PgTools.run(List.of(pgRestore.path().toString(), "--list", file.toString()), java.util.Map.of());
        if (list.exit() != 0) {
            throw new Backups.Refused(file + " looks like a pg_dump archive but pg_restore " + pgRestore.version()
                    + " cannot read it: " + list.why());
        }
        if (!STUDIO_TABLE.matcher(list.out()).find()) {
            throw new Backups.Refused(file + " is a pg_dump archive, but not of a studio's database (it has no "
                    + "flyway_schema_history table)");
        }
        return pgRestore;
    }

    /**
     * Restores into the database {@code jdbcUrl} names, all or nothing: {@code pg_restore} runs in one
     * transaction. A database that holds anything already is refused unless {@code force}; then its
     * schema is renamed aside first, dropped once the restore succeeded, and renamed back if it failed.
     */
    static Contents restore(String jdbcUrl, Connection connection, Path file, PgTools.Program pgRestore, boolean force,
                            Progress progress) throws SQLException {
        long others = Long.parseLong(Contents.single(connection, """
                select count(*) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()"""));
        String database = Contents.single(connection, "select current_database()");
        if (others > 0) {
            throw new Backups.Refused(others + " other connections use the database " + database
                    + " (a running studio?): stop every studio that uses it, then restore");
        }
        long relations = Contents.relationsInCurrentSchema(connection);
        var existing = Contents.of(connection);
        if (relations > 0 && !force) {
            throw new Backups.Refused("the database " + database + " is not empty (" + existing.map(c -> "it holds a studio, " + c)
                    .orElse(relations + " tables, indexes or sequences") + "): restore into an empty database, or add --force "
                    + "to replace its content");
        }
        String schema = Contents.single(connection, "select current_schema()");
        String aside = relations > 0 ? schema + "_before_restore_" + Clock.systemUTC().millis() : null;
        // Extensions (the search's unaccent and btree_gin) stay with the new schema: the dump creates
        // them only "if not exists", and what it then builds on them must find them there.
        var extensions = aside == null ? List.<String>of() : extensionsIn(connection, schema);
        if (aside != null) {
            progress.say("--force: the database's current content is kept in the schema " + aside + " until the restore succeeded");
            var statements = new ArrayList<>(List.of("alter schema " + quote(schema) + " rename to " + quote(aside),
                    "create schema " + quote(schema)));
            extensions.forEach(extension -> statements.add("alter extension " + quote(extension) + " set schema " + quote(schema)));
            inTransaction(connection, statements.toArray(String[]::new));
        }
        progress.say("restoring into " + database + " with pg_restore " + pgRestore.version() + " (one transaction)");
        var command = new ArrayList<>(List.of(pgRestore.path().toString(), "--single-transaction", "--exit-on-error",
                "--no-owner", "--no-privileges", "--no-password", "--dbname=" + database, file.toString()));
        var result = PgTools.run(command, PgTools.environment(jdbcUrl));
        if (result.exit() != 0) {
            if (aside != null) {
                var statements = new ArrayList<String>();
                extensions.forEach(extension -> statements.add("alter extension " + quote(extension) + " set schema " + quote(aside)));
                statements.add("drop schema " + quote(schema) + " cascade");
                statements.add("alter schema " + quote(aside) + " rename to " + quote(schema));
                inTransaction(connection, statements.toArray(String[]::new));
            }
            throw new IllegalStateException("pg_restore failed, so nothing was restored (it ran in one transaction)"
                    + (aside != null ? " and the database's previous content is back in place" : "") + ": " + result.why());
        }
        if (aside != null) {
            inTransaction(connection, "drop schema " + quote(aside) + " cascade");
        }
        return Contents.of(connection).orElseThrow(() -> new IllegalStateException(
                "pg_restore succeeded but the database holds no studio; was the archive made in another schema than " + schema + "?"));
    }

    /** The extensions whose objects live in {@code schema}. */
    private static List<String> extensionsIn(Connection connection, String schema) throws SQLException {
        try (var statement = connection.prepareStatement("""
                select e.extname from pg_extension e join pg_namespace n on n.oid = e.extnamespace
                where n.nspname = ? order by e.extname""")) {
            statement.setString(1, schema);
            var names = new ArrayList<String>();
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    names.add(rows.getString(1));
                }
            }
            return names;
        }
    }

    private static void inTransaction(Connection connection, String... statements) throws SQLException {
        connection.setAutoCommit(false);
        try (var statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
