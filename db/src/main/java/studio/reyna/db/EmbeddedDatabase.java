package studio.reyna.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server the studio runs itself, in {@code <dataDir>/postgres}, so one command starts
 * everything. The data directory is kept between runs: the next start finds the same data.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final EmbeddedPostgres postgres;

    private EmbeddedDatabase(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static EmbeddedDatabase start(Path dataDir) {
        try {
            Path pgData = dataDir.resolve("postgres");
            Path work = dataDir.resolve("postgres-runtime");
            Files.createDirectories(pgData);
            Files.createDirectories(work);
            long started = System.nanoTime();
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    .setOverrideWorkingDirectory(work.toFile())
                    .setPort(freeLoopbackPort())
                    // zonky turns this off for speed; an acknowledged write must survive a crash.
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .start();
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

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres?user=postgres";
    }

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
