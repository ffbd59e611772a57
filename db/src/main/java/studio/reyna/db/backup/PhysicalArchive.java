package studio.reyna.db.backup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An online physical backup of the embedded server, taken with the server's own backup API while
 * the studio keeps writing: {@code pg_backup_start}, a copy of the data directory, {@code
 * pg_backup_stop}, then the WAL written meanwhile. The copy alone is inconsistent (files change as
 * they are read); the {@code backup_label} and that WAL make PostgreSQL replay it, on its first
 * start, to the state of the moment the backup stopped. A tar.gz of the data directory, with a
 * small manifest ({@value #MANIFEST}) as its first entry.
 */
final class PhysicalArchive {
    static final String MANIFEST = "reyna-backup.properties";
    static final String FORMAT = "reyna-physical-1";
    /** Directories whose content the server rebuilds at start (or which belong to the running server only). */
    private static final Set<String> DIRECTORIES_KEPT_EMPTY = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    /** Files of the running server (and zonky's lock), never of a backup. */
    private static final Set<String> FILES_LEFT_OUT = Set.of("postmaster.pid", "postmaster.opts", "backup_label",
            "tablespace_map", "backup_manifest", "pg_internal.init", "postgresql.auto.conf.tmp", "current_logfiles.tmp",
            "epg-lock");
    private static final String WAL_SEGMENT = "[0-9A-F]{24}";

    private PhysicalArchive() {
    }

    /**
     * Backs up the server reached through {@code connection}, whose files are in {@code pgData}.
     * One session does it all: a non-exclusive backup ends if its session does, and the temporary
     * replication slot that keeps the WAL the backup needs from being recycled lives as long (it is
     * dropped when the caller closes the connection).
     */
    static long write(Connection connection, Path pgData, Server server, Contents contents, Path out, Progress progress)
            throws SQLException, IOException {
        try (var statement = connection.createStatement()) {
            statement.execute("select pg_create_physical_replication_slot('reyna_backup_' || pg_backend_pid(), true, true)");
        }
        String startLsn = Contents.single(connection, "select pg_backup_start('reyna backup " + Instant.now() + "', true)");
        String startSegment = Contents.single(connection, "select pg_walfile_name('" + startLsn + "')");
        progress.say("backup started at WAL position " + startLsn + "; copying " + pgData);
        long segmentBytes = Long.parseLong(Contents.single(connection, "select setting from pg_settings where name = 'wal_segment_size'"));
        long files;
        try (OutputStream file = Files.newOutputStream(out);
             var tar = new TarArchiveOutputStream(fastGzip(new BufferedOutputStream(file, 1 << 16)))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            addManifest(tar, server, contents);
            files = copyDataDirectory(tar, pgData);
            String stopLsn;
            String label;
            String tablespaceMap;
            try (var statement = connection.createStatement();
                 var rows = statement.executeQuery("select lsn, labelfile, spcmapfile from pg_backup_stop(false)")) {
                rows.next();
                stopLsn = rows.getString(1);
                label = rows.getString(2);
                tablespaceMap = rows.getString(3);
            }
            addText(tar, "backup_label", label);
            if (tablespaceMap != null && !tablespaceMap.isEmpty()) {
                addText(tar, "tablespace_map", tablespaceMap);
            }
            String stopSegment = Contents.single(connection, "select pg_walfile_name('" + stopLsn + "')");
            int segments = copyWal(tar, pgData.resolve("pg_wal"), startSegment, stopSegment, (1L << 32) / segmentBytes);
            progress.say("backup stopped at WAL position " + stopLsn + "; " + files + " files and " + segments + " WAL segments copied");
        }
        return files;
    }

    /**
     * gzip at its fastest level: the backup runs beside a serving studio, so its CPU counts. On JSON
     * text level 1 took 0.8 s of CPU where the default took 2.7 s, for a file 40 % larger (20.4 MB
     * against 14.6 MB from 77 MB, gzip -1/-6); on attachments, mostly compressed already, the two differ little.
     */
    private static GZIPOutputStream fastGzip(OutputStream out) throws IOException {
        return new GZIPOutputStream(out, 1 << 16) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_SPEED);
            }
        };
    }

    private static void addManifest(TarArchiveOutputStream tar, Server server, Contents contents) throws IOException {
        var manifest = new Properties();
        manifest.setProperty("format", FORMAT);
        manifest.setProperty("created", Instant.now().toString());
        manifest.setProperty("postgres.version", server.version());
        manifest.setProperty("studio.schema.version", contents.schemaVersion());
        var text = new java.io.StringWriter();
        manifest.store(text, "ReYNa Studio: an online physical backup of the embedded PostgreSQL; restore with bin/reyna restore");
        addText(tar, MANIFEST, text.toString());
    }

    private static long copyDataDirectory(TarArchiveOutputStream tar, Path pgData) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(pgData)) {
            paths = walk.filter(path -> !path.equals(pgData)).sorted().toList();
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        var last = new ArrayList<Path>();
        long files = 0;
        for (Path path : paths) {
            Path relative = pgData.relativize(path);
            String name = relative.toString();
            if (relative.getNameCount() > 1 && DIRECTORIES_KEPT_EMPTY.contains(relative.getName(0).toString())
                    || FILES_LEFT_OUT.contains(relative.getFileName().toString())
                    || name.contains("pgsql_tmp")) {
                continue;
            }
            if (name.equals("global/pg_control")) {
                // Copied last, as pg_basebackup does: it then names a checkpoint no older than the files.
                last.add(path);
                continue;
            }
            files += addPath(tar, path, name) ? 1 : 0;
        }
        for (Path path : last) {
            files += addPath(tar, path, pgData.relativize(path).toString()) ? 1 : 0;
        }
        return files;
    }

    /**
     * Adds one file or directory as it is now. A file that shrinks while it is read is padded with
     * zeros and one that grows is cut at the size it had: either way WAL replay rewrites what
     * changed. A file that vanished (a table dropped meanwhile) is left out, as replay drops it too.
     */
    private static boolean addPath(TarArchiveOutputStream tar, Path path, String name) throws IOException {
        try {
            if (Files.isDirectory(path)) {
                var entry = new TarArchiveEntry(name + "/");
                entry.setMode(0700);
                tar.putArchiveEntry(entry);
                tar.closeArchiveEntry();
                return false;
            }
            if (!Files.isRegularFile(path)) {
                throw new IOException(path + " is neither a file nor a directory (tablespaces are not supported)");
            }
            try (InputStream in = Files.newInputStream(path)) {
                long size = Files.size(path);
                var entry = new TarArchiveEntry(name);
                entry.setMode(0600);
                entry.setSize(size);
                entry.setModTime(Files.getLastModifiedTime(path).toMillis());
                tar.putArchiveEntry(entry);
                byte[] buffer = new byte[1 << 16];
                long left = size;
                while (left > 0) {
                    int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (read < 0) {
                        java.util.Arrays.fill(buffer, (byte) 0);
                        read = (int) Math.min(buffer.length, left);
                    }
                    tar.write(buffer, 0, read);
                    left -= read;
                }
                tar.closeArchiveEntry();
                return true;
            }
        } catch (NoSuchFileException vanished) {
            return false;
        }
    }

    private static int copyWal(TarArchiveOutputStream tar, Path pgWal, String startSegment, String stopSegment, long segmentsPerLog)
            throws IOException {
        List<Path> wanted;
        try (Stream<Path> files = Files.list(pgWal)) {
            wanted = files.filter(file -> {
                String name = file.getFileName().toString();
                // Same timeline, from the start segment to the stop segment; and every timeline's history.
                return name.matches(WAL_SEGMENT) && name.compareTo(startSegment) >= 0 && name.compareTo(stopSegment) <= 0
                        && name.substring(0, 8).equals(stopSegment.substring(0, 8))
                        || name.endsWith(".history");
            }).sorted().toList();
        }
        int segments = 0;
        for (Path file : wanted) {
            if (!addPath(tar, file, "pg_wal/" + file.getFileName())) {
                throw new IOException("the WAL segment " + file + " vanished during the backup");
            }
            segments += file.getFileName().toString().matches(WAL_SEGMENT) ? 1 : 0;
        }
        long expected = segmentNumber(stopSegment, segmentsPerLog) - segmentNumber(startSegment, segmentsPerLog) + 1;
        if (segments != expected) {
            throw new IOException("the backup needs " + expected + " WAL segments (" + startSegment + " to " + stopSegment
                    + ") but " + segments + " were found in " + pgWal);
        }
        return segments;
    }

    /** A segment's number on its timeline, from the "log" and "segment" parts of its name (a log is 4 GiB of WAL). */
    private static long segmentNumber(String segment, long segmentsPerLog) {
        return Long.parseLong(segment.substring(8, 16), 16) * segmentsPerLog + Long.parseLong(segment.substring(16, 24), 16);
    }

    private static void addText(TarArchiveOutputStream tar, String name, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        var entry = new TarArchiveEntry(name);
        entry.setMode(0600);
        entry.setSize(bytes.length);
        tar.putArchiveEntry(entry);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** True when {@code file} starts like a backup this class wrote: gzip, then a tar whose first entry is the manifest. */
    static boolean looksLike(Path file) {
        try (var tar = open(file)) {
            var first = tar.getNextEntry();
            return first != null && first.getName().equals(MANIFEST);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Unpacks {@code file} into the new directory {@code into}, checking on the way that it is whole:
     * the manifest first, then a data directory with its control file, the backup label and WAL.
     * Answers the manifest.
     */
    static Properties unpack(Path file, Path into) throws IOException {
        Files.createDirectory(into, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        var manifest = new Properties();
        var seen = new java.util.HashSet<String>();
        try (var tar = open(file)) {
            for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
                String name = entry.getName();
                if (seen.isEmpty()) {
                    if (!name.equals(MANIFEST)) {
                        throw new Backups.Refused(file + " is not a backup made by bin/reyna backup (no " + MANIFEST + ")");
                    }
                    manifest.load(new java.io.InputStreamReader(tar, StandardCharsets.UTF_8));
                    if (!FORMAT.equals(manifest.getProperty("format"))) {
                        throw new Backups.Refused(file + " is a backup of format " + manifest.getProperty("format")
                                + ", which this version cannot restore (it reads " + FORMAT + ")");
                    }
                    seen.add(name);
                    continue;
                }
                Path target = into.resolve(name).normalize();
                if (!target.startsWith(into) || name.startsWith("/")) {
                    throw new Backups.Refused(file + " holds a path outside the data directory: " + name);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                } else {
                    throw new Backups.Refused(file + " holds " + name + ", which is neither a file nor a directory");
                }
                seen.add(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
            }
        } catch (java.io.EOFException e) {
            throw new Backups.Refused(file + " is cut short (" + e.getMessage() + "): the backup is incomplete");
        }
        for (String required : List.of("PG_VERSION", "global/pg_control", "backup_label", "postgresql.conf")) {
            if (!seen.contains(required)) {
                throw new Backups.Refused(file + " is incomplete: it has no " + required);
            }
        }
        if (seen.stream().noneMatch(name -> name.matches("pg_wal/" + WAL_SEGMENT))) {
            throw new Backups.Refused(file + " is incomplete: it holds no WAL");
        }
        restrictPermissions(into);
        return manifest;
    }

    /** PostgreSQL refuses a data directory others may read. */
    private static void restrictPermissions(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(Files.isDirectory(path) ? "rwx------" : "rw-------"));
            }
        }
    }

    private static TarArchiveInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return new TarArchiveInputStream(new GZIPInputStream(in, 1 << 16));
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }
}
