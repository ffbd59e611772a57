package studio.reyna.app;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A real S3 API server on this machine: S3Proxy with its filesystem backend, started as a separate
 * process ({@code java -jar}) from the jar the build copies to {@code target/s3proxy/}. Its own
 * Jetty and jclouds stay in that process, away from the studio's classpath.
 */
final class S3ProxyServer implements AutoCloseable {
    static final String ACCESS_KEY = "reyna-test-access";
    static final String SECRET_KEY = "reyna-test-secret-" + UUID.randomUUID();
    private static final Path JAR = Path.of("target/s3proxy/s3proxy.jar");

    private final Path home;
    private final int port;
    private Process process;

    private S3ProxyServer(Path home, int port) {
        this.home = home;
        this.port = port;
    }

    /** Starts a server on a free loopback port, its objects in a fresh directory under target/. */
    static S3ProxyServer start() throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: the build copies it in process-test-resources"
                    + " (run the tests through Maven)");
        }
        int port;
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        var server = new S3ProxyServer(Files.createDirectories(Path.of("target/s3proxy-" + UUID.randomUUID())), port);
        Files.createDirectories(server.home.resolve("data"));
        Files.writeString(server.home.resolve("s3proxy.properties"), """
                s3proxy.endpoint=http://127.0.0.1:%d
                s3proxy.authorization=aws-v2-or-v4
                s3proxy.identity=%s
                s3proxy.credential=%s
                jclouds.provider=filesystem-nio2
                jclouds.filesystem.basedir=%s
                """.formatted(port, ACCESS_KEY, SECRET_KEY, server.home.resolve("data").toAbsolutePath()));
        server.resume();
        return server;
    }

    String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    /** Starts the process (again, after {@link #stop}), on the same port and data; returns once it answers. */
    void resume() throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(List.of(java, "-Xmx256m", "-jar", JAR.toAbsolutePath().toString(),
                "--properties", home.resolve("s3proxy.properties").toAbsolutePath().toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("s3proxy.log").toFile()))
                .start();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(this::answers);
    }

    /** Any HTTP answer (an unsigned request is refused with 403) means it is up. */
    private boolean answers() {
        if (!process.isAlive()) {
            throw new IllegalStateException("S3Proxy exited with " + process.exitValue() + "; see " + home.resolve("s3proxy.log"));
        }
        try {
            var connection = (HttpURLConnection) URI.create(endpoint() + "/").toURL().openConnection();
            connection.setConnectTimeout(500);
            connection.setReadTimeout(2000);
            int status = connection.getResponseCode();
            connection.disconnect();
            return status > 0;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the process, as an outage of the store would. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            Processes.stop(process, java.time.Duration.ofSeconds(20));
        }
    }

    @Override
    public void close() throws Exception {
        stop();
    }
}
