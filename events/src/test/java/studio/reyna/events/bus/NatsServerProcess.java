package studio.reyna.events.bus;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A nats-server of a test's own, so that the test may stop and restart it. */
public final class NatsServerProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    final int port;
    private final Path storeDir;
    private final Path logFile;
    private Process process;

    private NatsServerProcess(int port, Path dir) {
        this.port = port;
        this.storeDir = dir.resolve("jetstream");
        this.logFile = dir.resolve("nats-server.log");
    }

    /** Starts a JetStream server on a free port, storing into {@code dir}. */
    public static NatsServerProcess start(Path dir) {
        var server = new NatsServerProcess(freePort(), dir);
        server.start();
        return server;
    }

    static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "nats://127.0.0.1:" + port;
    }

    /** (Re)starts the server on the same port and store. */
    public void start() {
        try {
            process = new ProcessBuilder("/usr/sbin/nats-server", "-a", "127.0.0.1", "-p", Integer.toString(port),
                    "-js", "-sd", storeDir.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start /usr/sbin/nats-server", e);
        }
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("nats-server exited:\n" + Files.readString(logFile));
            }
            return acceptsConnections();
        });
    }

    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    private boolean acceptsConnections() {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }
}
