package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;

/**
 * A 1 GiB attachment through a studio whose heap is 256 MiB: the studio runs as a child JVM with
 * {@code -Xmx256m} (exiting on an OutOfMemoryError) on a fresh database; the client generates the
 * bytes as it sends them and hashes them as it receives them back, so no side ever holds the file.
 * Takes about a minute on two cores; prints the times and the child's peak heap and resident memory.
 */
class LargeAttachmentTest {
    private static final long SIZE = 1L << 30;
    private static final Pattern GC = Pattern.compile(" (\\d+)M->(\\d+)M\\(\\d+M\\)");

    @Test
    void a_one_gibibyte_attachment_goes_in_and_comes_back_through_a_256_mib_heap() throws Exception {
        String database = TestDatabase.createEmpty();
        Path logs = Files.createDirectories(Path.of("target/large-attachment"));
        Path gcLog = logs.resolve("gc.log");
        var studio = StudioProcess.start(logs, List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError",
                "-Xlog:gc:file=" + gcLog.toAbsolutePath()), Map.of("REYNA_DB_URL", database, "REYNA_DB_POOL_SIZE", "4"));
        var child = studio.process;
        try {
            int port = studio.port;
            var api = new Api(port);
            String token = api.register("large").get("accessToken").asString();
            expect(api.post("/api/v1/schemas", token, Map.of("id", "large", "name", "Large", "schema", Map.of("type", "object"))), 201);
            String bucket = expect(api.post("/api/v1/buckets", token, Map.of("name", "Large")), 201);
            String blob = expect(api.post("/api/v1/buckets/" + bucket + "/blobs", token,
                    Map.of("schemaId", "large", "data", Map.of())), 201);
            var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            String base = "http://127.0.0.1:" + port + "/api/v1/blobs/" + blob + "/attachments";

            var sent = MessageDigest.getInstance("SHA-256");
            long started = System.nanoTime();
            var uploaded = http.send(HttpRequest.newBuilder(URI.create(base + "?filename=large.bin"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                    .timeout(Duration.ofMinutes(10))
                    .POST(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                            () -> new DigestInputStream(new Generated(0, SIZE), sent)), SIZE))
                    .build(), HttpResponse.BodyHandlers.ofString());
            long uploadMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
            var attachment = Api.JSON.readTree(uploaded.body());
            String sha256 = HexFormat.of().formatHex(sent.digest());
            assertThat(attachment.get("size").asLong()).isEqualTo(SIZE);
            assertThat(attachment.get("sha256").asString()).isEqualTo(sha256);
            String id = attachment.get("id").asString();

            started = System.nanoTime();
            var received = MessageDigest.getInstance("SHA-256");
            var downloaded = http.send(HttpRequest.newBuilder(URI.create(base + "/" + id))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(10)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(downloaded.statusCode()).isEqualTo(200);
            long count = 0;
            try (InputStream in = downloaded.body()) {
                byte[] buffer = new byte[1 << 20];
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    received.update(buffer, 0, n);
                    count += n;
                }
            }
            long downloadMillis = (System.nanoTime() - started) / 1_000_000;
            assertThat(count).isEqualTo(SIZE);
            assertThat(HexFormat.of().formatHex(received.digest())).isEqualTo(sha256);

            // The last bytes, across the end of a chunk, are read without the rest.
            long first = SIZE - (1 << 20) - 100;
            var tail = http.send(HttpRequest.newBuilder(URI.create(base + "/" + id)).header("Authorization", "Bearer " + token)
                    .header("Range", "bytes=" + first + "-").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(tail.statusCode()).isEqualTo(206);
            assertThat(tail.body()).isEqualTo(new Generated(first, SIZE - first).readAllBytes());

            long peakRss = peakResidentKib(child.pid());
            long[] heap = peakHeapMib(gcLog);
            System.out.printf("1 GiB attachment: upload %.1f s, download %.1f s; studio (-Xmx256m): heap at most %d MiB"
                            + " before a collection and %d MiB after one (its GC log), peak resident memory %d MiB%n",
                    uploadMillis / 1000.0, downloadMillis / 1000.0, heap[0], heap[1], peakRss / 1024);
            assertThat(child.isAlive()).as("the studio is still running (no OutOfMemoryError)").isTrue();
            assertThat(api.call("DELETE", "/api/v1/blobs/" + blob + "/attachments/" + id, token, null, null, Map.of()).status())
                    .isEqualTo(204);
        } finally {
            studio.close();
            drop(database);
        }
    }

    private static String expect(Api.Response response, int status) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        return response.json().has("id") ? response.json().get("id").asString() : null;
    }

    /** The most heap in use before any collection, and the most still in use after one, as the GC log tells it. */
    private static long[] peakHeapMib(Path gcLog) throws IOException {
        long before = 0;
        long after = 0;
        for (String line : Files.readAllLines(gcLog)) {
            var m = GC.matcher(line);
            if (m.find()) {
                before = Math.max(before, Long.parseLong(m.group(1)));
                after = Math.max(after, Long.parseLong(m.group(2)));
            }
        }
        return new long[] {before, after};
    }

    /** The process's peak resident set size (VmHWM), in KiB. */
    private static long peakResidentKib(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(0L);
    }

    /** Drops the test database now: a gibibyte should not wait for the end of the test run. */
    private static void drop(String jdbcUrl) throws Exception {
        String name = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1, jdbcUrl.indexOf('?'));
        String admin = jdbcUrl.replace("/" + name + "?", "/postgres?");
        try (var connection = DriverManager.getConnection(admin); var statement = connection.createStatement()) {
            statement.execute("drop database if exists " + name + " with (force)");
        }
    }

    /**
     * Bytes that depend only on their position (SplitMix64 of the position's 8-byte word), so the
     * file is made as it is sent, and any range of it can be made again to compare.
     */
    static final class Generated extends InputStream {
        private long position;
        private final long end;

        Generated(long first, long length) {
            this.position = first;
            this.end = first + length;
        }

        @Override
        public int read() {
            return position < end ? byteAt(position++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= end) {
                return -1;
            }
            int n = (int) Math.min(len, end - position);
            int i = 0;
            while (i < n) {
                long p = position + i;
                if ((p & 7) == 0 && n - i >= 8) {
                    long word = mix(p >>> 3);
                    for (int k = 0; k < 8; k++) {
                        b[off + i + k] = (byte) (word >>> (k * 8));
                    }
                    i += 8;
                } else {
                    b[off + i] = byteAt(p);
                    i++;
                }
            }
            position += n;
            return n;
        }

        private static byte byteAt(long p) {
            return (byte) (mix(p >>> 3) >>> ((p & 7) * 8));
        }

        private static long mix(long x) {
            long z = x * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }
}
