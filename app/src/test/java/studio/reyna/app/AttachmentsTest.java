package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static studio.reyna.app.Api.expect;
import static studio.reyna.app.TestFiles.random;
import static studio.reyna.app.TestFiles.sha256;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * Attachments over real HTTP, on a studio of its own with a small file limit (8 MiB) and room for
 * two uploads at once: streaming in both body forms, ranges and revalidation, the limit enforced on
 * declared and on chunked bodies, uploads cut off halfway, deletes that take the files along.
 */
class AttachmentsTest {
    private static final long LIMIT = 8L << 20;
    private static final Studio STUDIO = Studio.start(StudioConfig.read(Map.of(
            "REYNA_DB_URL", TestDatabase.sharedJdbcUrl(), "REYNA_DB_POOL_SIZE", "6",
            "REYNA_MAX_ATTACHMENT_BYTES", Long.toString(LIMIT), "REYNA_MAX_ATTACHMENT_UPLOADS", "2",
            // One user makes every request here, far more than a minute's allowance; LimitsTest tests the limits.
            "REYNA_RATE_LIMITS", "off",
            // Processors would add blob.derived events to the events counted here; ProcessorsTest runs them.
            "REYNA_ROLES", "api,relay"),
            0, Path.of("target/unused-data")));
    private static final Api API = new Api(STUDIO.port());
    private static final Jdbi DB = TestDatabase.shared().jdbi();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonNode USER = API.register("files");
    private static final String TOKEN = USER.get("accessToken").asString();
    private static final String SCHEMA = "files-" + UUID.randomUUID().toString().substring(0, 8);

    static {
        expect(API.post("/api/v1/schemas", TOKEN, Map.of("id", SCHEMA, "name", "Files", "schema", Map.of("type", "object"))), 201);
    }

    private final String bucket = expect(API.post("/api/v1/buckets", TOKEN, Map.of("name", "Files " + UUID.randomUUID())), 201)
            .get("id").asString();
    private final String blob = newBlob();

    @AfterAll
    static void stop() {
        STUDIO.close();
    }

    private String newBlob() {
        return expect(API.post("/api/v1/buckets/" + bucket + "/blobs", TOKEN, Map.of("schemaId", SCHEMA, "data", Map.of())), 201)
                .get("id").asString();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + STUDIO.port() + path);
    }

    private HttpResponse<String> upload(String query, String contentType, HttpRequest.BodyPublisher body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri("/api/v1/blobs/" + blob + "/attachments" + query))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", contentType)
                .POST(body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> download(String attachmentId, String... headers) throws Exception {
        var request = HttpRequest.newBuilder(uri("/api/v1/blobs/" + blob + "/attachments/" + attachmentId))
                .header("Authorization", "Bearer " + TOKEN);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private int attachmentsOfBlob(String blobId) {
        return DB.withHandle(h -> h.createQuery("select count(*) from attachments where blob_id = :blob")
                .bind("blob", UUID.fromString(blobId)).mapTo(Integer.class).one());
    }

    private static long storedChunks() {
        return DB.withHandle(h -> h.createQuery("select count(*) from attachment_chunks").mapTo(Long.class).one());
    }

    /** Uploads in progress on the studio's node, from its metrics. */
    private static int uploadsInProgress() {
        String metrics = API.get("/metrics", null).text();
        return metrics.lines().filter(line -> line.startsWith("reyna_attachment_uploads "))
                .map(line -> (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    @Test
    void a_file_of_several_chunks_comes_back_whole_and_in_any_range() throws Exception {
        byte[] file = random(3 * 1024 * 1024 + 123, 11);
        var answer = upload("?filename=" + java.net.URLEncoder.encode("données 1.bin", StandardCharsets.UTF_8),
                "application/octet-stream", HttpRequest.BodyPublishers.ofByteArray(file));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        var created = Api.JSON.readTree(answer.body());
        String id = created.get("id").asString();
        assertThat(created.get("filename").asString()).isEqualTo("données 1.bin");
        assertThat(created.get("size").asLong()).isEqualTo(file.length);
        assertThat(created.get("sha256").asString()).isEqualTo(sha256(file));
        assertThat(answer.headers().firstValue("Location")).hasValue("/api/v1/blobs/" + blob + "/attachments/" + id);

        var whole = download(id);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(file);
        String etag = "\"" + sha256(file) + "\"";
        assertThat(whole.headers().firstValue("ETag")).hasValue(etag);
        assertThat(whole.headers().firstValue("Content-Length")).hasValue(Integer.toString(file.length));
        assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(whole.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");

        int mib = 1 << 20;
        Object[][] ranges = {
                {"bytes=" + (mib - 5) + "-" + (mib + 4), mib - 5, mib + 4},
                {"bytes=0-0", 0, 0},
                {"bytes=" + (2 * mib) + "-", 2 * mib, file.length - 1},
                {"bytes=-100", file.length - 100, file.length - 1},
                {"bytes=10-" + (10L * file.length), 10, file.length - 1}};
        for (Object[] range : ranges) {
            int first = (int) range[1];
            int last = (int) range[2];
            var part = download(id, "Range", (String) range[0]);
            assertThat(part.statusCode()).as((String) range[0]).isEqualTo(206);
            assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes " + first + "-" + last + "/" + file.length);
            assertThat(part.body()).as((String) range[0]).isEqualTo(Arrays.copyOfRange(file, first, last + 1));
        }
        // A range of an older file (If-Range names another ETag), or several ranges: the whole file.
        assertThat(download(id, "Range", "bytes=0-9", "If-Range", "\"0000\"").body()).isEqualTo(file);
        assertThat(download(id, "Range", "bytes=0-9", "If-Range", etag).body()).hasSize(10);
        assertThat(download(id, "Range", "bytes=0-1,5-6").statusCode()).isEqualTo(200);
        var beyond = download(id, "Range", "bytes=" + file.length + "-");
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + file.length);
        var cached = download(id, "If-None-Match", "W/\"x\", " + etag);
        assertThat(cached.statusCode()).isEqualTo(304);
        assertThat(cached.body()).isEmpty();
    }

    @Test
    void a_multipart_upload_is_read_as_it_streams() throws Exception {
        String boundary = "----reynaBoundary42";
        // The file holds what looks like the start of its own boundary, and line breaks at its end.
        byte[] file = new ByteArrayOutputStream() {
            {
                writeBytes(random(2 * 1024 * 1024, 12));
                writeBytes(("\r\n--" + boundary.substring(0, 12) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            }
        }.toByteArray();
        var body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nA caption\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.tiff\"\r\nContent-Type: image/tiff\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        body.writeBytes(file);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        var answer = upload("", "multipart/form-data; boundary=" + boundary,
                HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(body.toByteArray())));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        var created = Api.JSON.readTree(answer.body());
        assertThat(created.get("filename").asString()).isEqualTo("scan.tiff");
        assertThat(created.get("contentType").asString()).isEqualTo("image/tiff");
        assertThat(created.get("sha256").asString()).isEqualTo(sha256(file));
        var back = download(created.get("id").asString());
        assertThat(back.body()).isEqualTo(file);
        assertThat(back.headers().firstValue("Content-Type")).hasValue("image/tiff");
        assertThat(back.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"scan.tiff\"; filename*=UTF-8''scan.tiff");
    }

    @Test
    void a_body_declared_larger_than_the_limit_is_refused_before_it_is_sent() throws Exception {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", STUDIO.port()), 5000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST /api/v1/blobs/" + blob + "/attachments?filename=big.bin HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + (LIMIT + 1) + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = head(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close")
                    .contains("application/problem+json");
        }
        assertThat(attachmentsOfBlob(blob)).isZero();
    }

    @Test
    void a_file_declared_larger_than_the_owners_free_storage_is_refused_before_a_byte_is_read() throws Exception {
        var owner = API.register("nearly-full");
        String token = owner.get("accessToken").asString();
        DB.useHandle(h -> h.execute("update user_usage set max_bytes = 4000 where user_id = ?::uuid", owner.at("/user/id").asString()));
        String bucketId = expect(API.post("/api/v1/buckets", token, Map.of("name", "Full")), 201).get("id").asString();
        String blobId = expect(API.post("/api/v1/buckets/" + bucketId + "/blobs", token,
                Map.of("schemaId", SCHEMA, "data", Map.of("title", "with a file"))), 201).get("id").asString();

        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", STUDIO.port()), 5000);
            socket.setSoTimeout(10_000);
            // The head only: the answer must come without the body.
            socket.getOutputStream().write(("POST /api/v1/blobs/" + blobId + "/attachments?filename=big.bin HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: 5000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            var in = socket.getInputStream();
            String head = head(in);
            assertThat(head).startsWith("HTTP/1.1 403").contains("application/problem+json");
            var length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
            assertThat(length.find()).isTrue();
            var problem = Api.JSON.readTree(in.readNBytes(Integer.parseInt(length.group(1))));
            assertThat(problem.get("type").asString()).isEqualTo("urn:reyna:problem:quota-exceeded");
            assertThat(problem.get("limit").asString()).isEqualTo("bytes");
            assertThat(problem.get("max").asLong()).isEqualTo(4000);
        }
        assertThat(attachmentsOfBlob(blobId)).isZero();
    }

    @Test
    void a_chunked_body_that_runs_past_the_limit_is_refused_and_nothing_is_kept() throws Exception {
        long chunksBefore = storedChunks();
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", STUDIO.port()), 5000);
            socket.setSoTimeout(30_000);
            var out = socket.getOutputStream();
            out.write(("POST /api/v1/blobs/" + blob + "/attachments?filename=endless.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + TOKEN + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // The client would send 12 MiB, in a thread of its own, while the answer is read here.
            var sender = Thread.ofVirtual().start(() -> sendChunks(out, 12 << 20));
            String head = head(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 413").containsIgnoringCase("Connection: close");
            sender.join(Duration.ofSeconds(30));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> uploadsInProgress() == 0);
        assertThat(attachmentsOfBlob(blob)).isZero();
        assertThat(storedChunks()).isEqualTo(chunksBefore);
    }

    /** Sends {@code total} bytes as chunks of 64 KiB, then the last chunk; stops quietly when the server hangs up. */
    private static void sendChunks(OutputStream out, int total) {
        byte[] chunk = random(64 * 1024, 13);
        try {
            for (int sent = 0; sent < total; sent += chunk.length) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            // The server answered and closed the connection: what the test expects.
        }
    }

    @Test
    void an_upload_cut_off_halfway_leaves_nothing_behind() throws Exception {
        long chunksBefore = storedChunks();
        long eventsBefore = DB.withHandle(h -> h.createQuery("select count(*) from events where blob_id = :blob")
                .bind("blob", UUID.fromString(blob)).mapTo(Long.class).one());
        for (String contentType : new String[] {"application/octet-stream", "multipart/form-data; boundary=cut"}) {
            try (var socket = startUpload(contentType, 6 << 20)) {
                var out = socket.getOutputStream();
                if (contentType.startsWith("multipart")) {
                    out.write("--cut\r\nContent-Disposition: form-data; name=\"file\"; filename=\"half.bin\"\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                }
                out.write(random(3 << 20, 14));
                out.flush();
                await().atMost(Duration.ofSeconds(10)).until(() -> uploadsInProgress() == 1);
            }
            // The client is gone: the upload ends, and with it everything it had stored.
            await().atMost(Duration.ofSeconds(30)).until(() -> uploadsInProgress() == 0);
        }
        assertThat(attachmentsOfBlob(blob)).isZero();
        assertThat(storedChunks()).isEqualTo(chunksBefore);
        long eventsAfter = DB.withHandle(h -> h.createQuery("select count(*) from events where blob_id = :blob")
                .bind("blob", UUID.fromString(blob)).mapTo(Long.class).one());
        assertThat(eventsAfter).isEqualTo(eventsBefore);
    }

    @Test
    void only_so_many_uploads_run_at_once_and_the_next_is_told_when_to_come_back() throws Exception {
        try (var first = startUpload("text/plain", 1000); var second = startUpload("text/plain", 1000)) {
            first.getOutputStream().write("slow".getBytes(StandardCharsets.US_ASCII));
            second.getOutputStream().write("slow".getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(10)).until(() -> uploadsInProgress() == 2);
            var refused = upload("?filename=third.txt", "text/plain", HttpRequest.BodyPublishers.ofString("third"));
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> uploadsInProgress() == 0);
        assertThat(upload("?filename=fourth.txt", "text/plain", HttpRequest.BodyPublishers.ofString("fourth")).statusCode())
                .isEqualTo(201);
    }

    /** A socket that has sent the head of an upload declaring {@code length} bytes, and none of them yet. */
    private Socket startUpload(String contentType, long length) throws IOException {
        var socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", STUDIO.port()), 5000);
        socket.getOutputStream().write(("POST /api/v1/blobs/" + blob + "/attachments?filename=half.bin HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN + "\r\nContent-Type: " + contentType + "\r\n"
                + "Content-Length: " + length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return socket;
    }

    @Test
    void an_empty_file_is_a_file_with_nothing_to_range_over() throws Exception {
        var answer = upload("?filename=empty", "text/plain", HttpRequest.BodyPublishers.noBody());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        String id = Api.JSON.readTree(answer.body()).get("id").asString();
        var back = download(id);
        assertThat(back.statusCode()).isEqualTo(200);
        assertThat(back.body()).isEmpty();
        assertThat(back.headers().firstValue("Content-Length")).hasValue("0");
        assertThat(download(id, "Range", "bytes=0-").statusCode()).isEqualTo(416);
    }

    @Test
    void deleting_a_blob_or_its_bucket_deletes_its_attachments() throws Exception {
        long chunksBefore = storedChunks();
        byte[] file = random(1536 * 1024, 15);
        assertThat(upload("?filename=a.bin", "application/octet-stream", HttpRequest.BodyPublishers.ofByteArray(file))
                .statusCode()).isEqualTo(201);
        assertThat(storedChunks()).isEqualTo(chunksBefore + 2);
        expect(API.call("DELETE", "/api/v1/blobs/" + blob, TOKEN, null, null, Map.of()), 204);
        assertThat(attachmentsOfBlob(blob)).isZero();
        assertThat(storedChunks()).isEqualTo(chunksBefore);

        String other = newBlob();
        var put = HTTP.send(HttpRequest.newBuilder(uri("/api/v1/blobs/" + other + "/attachments?filename=b.bin"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).isEqualTo(201);
        expect(API.call("DELETE", "/api/v1/buckets/" + bucket + "?recursive=true", TOKEN, null, null, Map.of()), 204);
        assertThat(attachmentsOfBlob(other)).isZero();
        assertThat(storedChunks()).isEqualTo(chunksBefore);
    }

    /** The status line and headers of an answer, read byte by byte up to the blank line. */
    static String head(InputStream in) throws IOException {
        var head = new ByteArrayOutputStream();
        int newlines = 0;
        for (int c; newlines < 2 && (c = in.read()) >= 0; ) {
            head.write(c);
            newlines = c == '\n' ? newlines + 1 : c == '\r' ? newlines : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }
}
