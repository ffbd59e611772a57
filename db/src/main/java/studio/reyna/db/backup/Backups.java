package studio.reyna.db.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;
import studio.reyna.db.EmbeddedDatabase;

/**
 * {@code reyna backup} and {@code reyna restore}: a whole installation, that is its one database.
 *
 * <ul>
 * <li>External PostgreSQL: {@code pg_dump}'s custom format, restored with {@code pg_restore} in one
 * transaction.</li>
 * <li>Embedded PostgreSQL: the same when a {@code pg_dump} as new as the embedded server is
 * installed; otherwise an online physical backup with the server's backup API
 * ({@link PhysicalArchive}). The backup works while a studio runs (through that studio's server) or
 * not (a server is started for it); a restore needs the studio stopped, sets the old database aside
 * and puts it back if the restored one does not start.</li>
 * </ul>
 */
public final class Backups {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    /** Where an installation keeps its data: the external database {@code jdbcUrl}, or (null) the embedded one in {@code dataDir}. */
    public record Installation(String jdbcUrl, Path dataDir, String pgBin) {
    }

    /** The command cannot do what it was asked, and changed nothing: the message says why and what to do. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    private enum Format { DUMP, PHYSICAL }

    private Backups() {
    }

    /** Backs the installation up to {@code out} (null: a new file named after the time in the current directory). */
    public static Path backup(Installation installation, Path out, Progress progress) {
        long started = System.nanoTime();
        if (out != null) {
            checkWritable(out);
        }
        Path written;
        try {
            written = installation.jdbcUrl() != null
                    ? backupExternal(installation, out, progress)
                    : backupEmbedded(installation, out, progress);
        } catch (SQLException e) {
            throw new IllegalStateException("the database failed during the backup: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("the backup could not be written: " + e.getMessage(), e);
        }
        progress.say(String.format("wrote %s (%s) in %.1f s", written, size(written), (System.nanoTime() - started) / 1e9));
        return written;
    }

    private static Path backupExternal(Installation installation, Path out, Progress progress) throws SQLException, IOException {
        try (var connection = connect(installation.jdbcUrl())) {
            var server = Server.of(connection);
            var contents = studio(connection, "the database of REYNA_DB_URL");
            progress.say("backing up the database " + Contents.single(connection, "select current_database()")
                    + " (PostgreSQL " + server.version() + "; " + contents + ")");
            Path target = out != null ? out : defaultName(".dump");
            writeThenRename(target, partial -> DumpArchive.write(installation.jdbcUrl(), server, partial, installation.pgBin(), progress));
            return target;
        }
    }

    private static Path backupEmbedded(Installation installation, Path out, Progress progress) throws SQLException, IOException {
        Path dataDir = installation.dataDir();
        Path pgData = EmbeddedDatabase.pgData(dataDir);
        if (!Files.exists(pgData.resolve("PG_VERSION"))) {
            throw new Refused("there is no studio database in " + dataDir.toAbsolutePath() + " (no postgres/PG_VERSION): pass the "
                    + "--data-dir the studio runs with, or set REYNA_DB_URL for an external database");
        }
        var running = EmbeddedDatabase.running(dataDir);
        if (running.isPresent()) {
            progress.say("a studio runs on " + dataDir + ": backing up online through its PostgreSQL (process "
                    + running.get().pid() + ")");
        } else {
            progress.say("no studio runs on " + dataDir + ": starting its PostgreSQL for the backup");
        }
        EmbeddedDatabase startedHere = running.isEmpty() ? EmbeddedDatabase.start(dataDir) : null;
        String url = startedHere != null ? startedHere.jdbcUrl() : running.get().jdbcUrl();
        try (var connection = connect(url)) {
            var server = Server.of(connection);
            var contents = studio(connection, "the embedded database in " + dataDir);
            progress.say("PostgreSQL " + server.version() + "; " + contents);
            if (PgTools.find("pg_dump", server.major(), installation.pgBin()).isPresent()) {
                Path target = out != null ? out : defaultName(".dump");
                writeThenRename(target, partial -> DumpArchive.write(url, server, partial, installation.pgBin(), progress));
                return target;
            }
            progress.say("no pg_dump " + server.major() + " or later is installed: taking an online physical backup");
            Path target = out != null ? out : defaultName(".tar.gz");
            writeThenRename(target, partial -> {
                try {
                    PhysicalArchive.write(connection, pgData, server, contents, partial, progress);
                } catch (SQLException e) {
                    throw new IllegalStateException("the database failed during the backup: " + e.getMessage(), e);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return target;
        } finally {
            if (startedHere != null) {
                startedHere.close();
            }
        }
    }

    /** Restores {@code file} into the installation; one that holds a studio already is replaced only with {@code force}. */
    public static void restore(Installation installation, Path file, boolean force, Progress progress) {
        long started = System.nanoTime();
        if (!Files.exists(file)) {
            throw new Refused(file + " does not exist");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new Refused(file + " is not a file this command can read");
        }
        var format = formatOf(file);
        try {
            if (installation.jdbcUrl() != null) {
                restoreExternal(installation, file, format, force, progress);
            } else {
                restoreEmbedded(installation, file, format, force, progress);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("the database failed during the restore: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("the restore failed: " + e.getMessage(), e);
        }
        progress.say(String.format("restore finished in %.1f s", (System.nanoTime() - started) / 1e9));
    }

    private static void restoreExternal(Installation installation, Path file, Format format, boolean force, Progress progress)
            throws SQLException {
        if (format == Format.PHYSICAL) {
            throw new Refused(file + " is a physical backup of an embedded database: it can only be restored into a data "
                    + "directory (without REYNA_DB_URL). To move to an external PostgreSQL, restore it into a data directory, "
                    + "start the studio there and back it up with a pg_dump of the embedded server's version");
        }
        try (var connection = connect(installation.jdbcUrl())) {
            var server = Server.of(connection);
            var pgRestore = DumpArchive.check(file, server, installation.pgBin());
            var contents = DumpArchive.restore(installation.jdbcUrl(), connection, file, pgRestore, force, progress);
            progress.say("restored " + file + ": " + contents);
        }
    }

    private static void restoreEmbedded(Installation installation, Path file, Format format, boolean force, Progress progress)
            throws IOException, SQLException {
        Path dataDir = installation.dataDir();
        if (EmbeddedDatabase.inUse(dataDir)) {
            throw new Refused("a studio (or its PostgreSQL) is running on " + dataDir + ": stop it, then restore");
        }
        Path pgData = EmbeddedDatabase.pgData(dataDir);
        boolean existing = Files.isDirectory(pgData) && !isEmpty(pgData);
        if (existing && !force) {
            throw new Refused(dataDir + " already holds a studio's database: restore into another --data-dir, or add --force "
                    + "to replace it (the current one is then kept beside it, in postgres.before-restore-<time>)");
        }
        if (format == Format.DUMP) {
            // Before anything changes: the archive must be a studio's and readable here.
            DumpArchive.check(file, new Server(0, "of any version"), installation.pgBin());
        }
        Files.createDirectories(dataDir);
        String stamp = LocalDateTime.now(ZoneOffset.UTC).format(STAMP);
        Path staged = dataDir.resolve("postgres.restoring");
        deleteRecursively(staged);
        if (format == Format.PHYSICAL) {
            progress.say("unpacking " + file);
            try {
                var manifest = PhysicalArchive.unpack(file, staged);
                progress.say("a physical backup of " + manifest.getProperty("created") + " (PostgreSQL "
                        + manifest.getProperty("postgres.version") + ", studio schema version "
                        + manifest.getProperty("studio.schema.version") + ")");
            } catch (IOException | RuntimeException e) {
                deleteRecursively(staged);
                throw e instanceof Refused refused ? refused : new Refused(file + " cannot be unpacked: " + e.getMessage());
            }
        }
        Path aside = existing ? dataDir.resolve("postgres.before-restore-" + stamp) : null;
        if (aside != null) {
            Files.move(pgData, aside);
        } else {
            deleteRecursively(pgData);
        }
        if (format == Format.PHYSICAL) {
            Files.move(staged, pgData);
            progress.say("starting PostgreSQL on the restored files: it replays the WAL the backup holds");
        } else {
            progress.say("starting a new embedded PostgreSQL to restore into");
        }
        Contents contents;
        try (var database = EmbeddedDatabase.start(dataDir); var connection = connect(database.jdbcUrl())) {
            if (format == Format.PHYSICAL) {
                contents = studio(connection, "the restored database");
            } else {
                var pgRestore = DumpArchive.check(file, Server.of(connection), installation.pgBin());
                contents = DumpArchive.restore(database.jdbcUrl(), connection, file, pgRestore, false, progress);
            }
        } catch (RuntimeException | SQLException e) {
            if (EmbeddedDatabase.inUse(dataDir)) {
                // A server that did not become ready in time may still be replaying: its files must not move under it.
                throw new IllegalStateException("the restored PostgreSQL did not become ready and is still running on " + pgData
                        + ": let it finish (or stop it), then start the studio; the previous database is in "
                        + (aside != null ? aside : "(none)") + ": " + e.getMessage(), e);
            }
            Path failed = dataDir.resolve("postgres.failed-restore-" + stamp);
            if (Files.exists(pgData)) {
                Files.move(pgData, failed);
            }
            if (aside != null) {
                Files.move(aside, pgData);
            }
            throw new IllegalStateException("the restore failed, " + (aside != null ? "so the previous database is back in place"
                    : "so the data directory is as before") + " (what was restored is in " + failed + "): " + e.getMessage(), e);
        }
        progress.say("restored " + file + " into " + dataDir + ": " + contents);
        if (aside != null) {
            progress.say("the previous database is kept in " + aside + "; delete it once the restored studio is as it should be");
        }
    }

    private static Format formatOf(Path file) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(DumpArchive.MAGIC.length);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (Arrays.equals(head, DumpArchive.MAGIC)) {
            return Format.DUMP;
        }
        if (PhysicalArchive.looksLike(file)) {
            return Format.PHYSICAL;
        }
        throw new Refused(file + " is not a backup of a studio: it is neither a pg_dump custom-format archive nor a physical "
                + "backup made by bin/reyna backup");
    }

    private static Contents studio(Connection connection, String what) throws SQLException {
        return Contents.of(connection).orElseThrow(() -> new Refused(what + " holds no studio (it has no flyway_schema_history table)"));
    }

    private static Connection connect(String jdbcUrl) throws SQLException {
        return DriverManager.getConnection(jdbcUrl);
    }

    /** Writes through a {@code .partial} file renamed at the end, so a backup that failed halfway never looks like one. */
    private static void writeThenRename(Path target, java.util.function.Consumer<Path> write) throws IOException {
        checkWritable(target);
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        try {
            Files.deleteIfExists(partial);
            write.accept(partial);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
    }

    private static void checkWritable(Path out) {
        if (Files.exists(out)) {
            throw new Refused(out + " exists already: choose another --out, or move that file away");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (!Files.isDirectory(parent)) {
            throw new Refused("the directory " + parent + " does not exist");
        }
    }

    private static Path defaultName(String extension) {
        return Path.of("reyna-backup-" + LocalDateTime.now(ZoneOffset.UTC).format(STAMP) + extension);
    }

    private static String size(Path file) throws UncheckedIOException {
        try {
            return String.format("%.1f MB", Files.size(file) / 1e6);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
