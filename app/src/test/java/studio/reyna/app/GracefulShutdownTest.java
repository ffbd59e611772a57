package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;

/**
 * SIGTERM, as an orchestrator stops a pod: sockets are told 1001 (reconnect and resume
 * elsewhere), new connections are refused, a request in flight (a slow upload) still finishes,
 * and the process exits in bounded time.
 */
class GracefulShutdownTest {
    private static final int CHUNKS = 50;
    private static final int CHUNK = 8 * 1024;

    @Test
    void a_stopping_studio_tells_sockets_refuses_new_connections_and_finishes_what_is_in_flight() throws Exception {
        var studio = StudioProcess.start(Path.of("target/graceful-shutdown").toAbsolutePath(), List.of("-Xmx256m"),
                Map.of("REYNA_DB_URL", TestDatabase.createEmpty(), "REYNA_DB_POOL_SIZE", "4"));
        try {
            var api = new Api(studio.port);
            String token = api.register("stopping").get("accessToken").asString();
            Api.expect(api.post("/api/v1/schemas", token, Map.of("id", "note", "name", "Note", "schema", Map.of())), 201);
            String bucket = Api.expect(api.post("/api/v1/buckets", token, Map.of("name", "B")), 201).get("id").asString();
            String blob = Api.expect(api.post("/api/v1/buckets/" + bucket + "/blobs", token,
                    Map.of("schemaId", "note", "data", Map.of())), 201).get("id").asString();
            var socket = WsClient.signedIn(studio.port, token);
            socket.send(Api.JSON.createObjectNode().put("type", "subscribe").put("id", "s"));
            socket.expect("subscribed");

            // An upload that takes about five seconds: 50 chunks, 100 ms apart.
            var sending = new CountDownLatch(1);
            var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            CompletableFuture<HttpResponse<String>> upload = http.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + studio.port + "/api/v1/blobs/" + blob + "/attachments?filename=slow.bin"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                    .timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new Trickle(sending)), (long) CHUNKS * CHUNK))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(sending.await(10, TimeUnit.SECONDS)).as("the upload started").isTrue();
            Thread.sleep(500);

            long stopped = System.nanoTime();
            studio.process.destroy(); // SIGTERM

            assertThat(socket.closeCode(Duration.ofSeconds(10))).as("the socket is told the server goes away").isEqualTo(1001);
            boolean refused = false;
            for (int i = 0; i < 50 && !refused; i++) {
                // A client of its own each time: a kept-alive connection would not show a closed listener.
                try (var probe = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
                    probe.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port + "/health/live"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                    Thread.sleep(100);
                } catch (java.net.ConnectException e) {
                    refused = true;
                } catch (IOException stillStopping) {
                    Thread.sleep(100);
                }
            }
            assertThat(refused).as("new connections are refused while stopping").isTrue();
            assertThat(upload.isDone()).as("the upload is still going when new connections are refused").isFalse();

            var response = upload.get(30, TimeUnit.SECONDS);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
            assertThat(Api.JSON.readTree(response.body()).get("size").asLong()).isEqualTo((long) CHUNKS * CHUNK);
            assertThat(studio.process.waitFor(HttpServerStopBound.SECONDS, TimeUnit.SECONDS)).as("exits in bounded time").isTrue();
            System.out.printf("graceful shutdown: exited %.1f s after SIGTERM, with the upload in flight completed%n",
                    (System.nanoTime() - stopped) / 1e9);
        } finally {
            studio.close();
        }
    }

    /** The bound the studio's stop is held to: its server's stop timeout and some room for the rest. */
    private static final class HttpServerStopBound {
        static final long SECONDS = studio.reyna.gateway.http.HttpServer.STOP_TIMEOUT.toSeconds() + 10;
    }

    /** {@link #CHUNKS} chunks of zeros, one every 100 ms. */
    private static final class Trickle extends InputStream {
        private final CountDownLatch sending;
        private int chunk;
        private int inChunk;

        Trickle(CountDownLatch sending) {
            this.sending = sending;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : 0;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (chunk == CHUNKS) {
                return -1;
            }
            if (inChunk == 0) {
                sending.countDown();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
            int n = Math.min(length, CHUNK - inChunk);
            java.util.Arrays.fill(buffer, offset, offset + n, (byte) 0);
            inChunk += n;
            if (inChunk == CHUNK) {
                inChunk = 0;
                chunk++;
            }
            return n;
        }
    }
}
