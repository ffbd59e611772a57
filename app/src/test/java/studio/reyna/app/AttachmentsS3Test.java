package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static studio.reyna.app.Api.expect;
import static studio.reyna.app.TestFiles.random;
import static studio.reyna.app.TestFiles.sha256;

import java.io.IOException;
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
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * Attachments in an S3-compatible store: a studio pointed at a real S3 API server (S3Proxy with its
 * filesystem backend, a process of its own on a loopback port), inspected with an S3 client of the
 * test's own. Files of several parts, ranges, uploads cut off, deletes of every kind, and an outage
 * of the store.
 */
class AttachmentsS3Test {
    private static final String BUCKET = "reyna-attachments";
    private static final Jdbi DB = TestDatabase.shared().jdbi();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static S3ProxyServer s3;
    private static Studio studio;
    private static Api api;
    private static S3Client objects;
    private static String token;
    private static String schema;

    private String bucket;
    private String blob;

    @BeforeAll
    static void start() throws IOException {
        s3 = S3ProxyServer.start();
        studio = Studio.start(StudioConfig.read(Map.of(
                "REYNA_DB_URL", TestDatabase.sharedJdbcUrl(), "REYNA_DB_POOL_SIZE", "4",
                "REYNA_MAX_ATTACHMENT_BYTES", Long.toString(40L << 20),
                "REYNA_S3_ENDPOINT", s3.endpoint(), "REYNA_S3_BUCKET", BUCKET,
                "REYNA_S3_ACCESS_KEY", S3ProxyServer.ACCESS_KEY, "REYNA_S3_SECRET_KEY", S3ProxyServer.SECRET_KEY,
                "REYNA_RATE_LIMITS", "off",
                // Processors would add blob.derived events to the events counted here; ProcessorsTest runs them.
                "REYNA_ROLES", "api,relay"),
                0, Path.of("target/unused-data")));
        api = new Api(studio.port());
        objects = S3Client.builder().endpointOverride(URI.create(s3.endpoint())).region(Region.US_EAST_1).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder()).build();
        token = api.register("s3").get("accessToken").asString();
        schema = "s3-" + UUID.randomUUID().toString().substring(0, 8);
        expect(api.post("/api/v1/schemas", token, Map.of("id", schema, "name", "S3", "schema", Map.of("type", "object"))), 201);
    }

    @AfterAll
    static void stop() throws Exception {
        if (studio != null) {
            studio.close();
        }
        if (objects != null) {
            objects.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @org.junit.jupiter.api.BeforeEach
    void world() {
        bucket = expect(api.post("/api/v1/buckets", token, Map.of("name", "S3 " + UUID.randomUUID())), 201).get("id").asString();
        blob = newBlob();
    }

    private String newBlob() {
        return expect(api.post("/api/v1/buckets/" + bucket + "/blobs", token, Map.of("schemaId", schema, "data", Map.of())), 201)
                .get("id").asString();
    }

    private HttpResponse<String> upload(String blobId, String name, byte[] file) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port() + "/api/v1/blobs/" + blobId
                        + "/attachments?filename=" + name))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String uploaded(String blobId, byte[] file) throws Exception {
        var answer = upload(blobId, "f.bin", file);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        return Api.JSON.readTree(answer.body()).get("id").asString();
    }

    private HttpResponse<byte[]> download(String attachmentId, String... headers) throws Exception {
        var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port() + "/api/v1/blobs/" + blob
                + "/attachments/" + attachmentId)).header("Authorization", "Bearer " + token);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static Set<String> objectKeys() {
        return objects.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("attachments/")).contents().stream()
                .map(S3Object::key).collect(Collectors.toSet());
    }

    /** Objects in the store that no attachment row names. */
    private static Set<String> orphans() {
        var keys = new HashSet<>(objectKeys());
        keys.removeAll(DB.withHandle(h -> h.createQuery("select object_key from attachments where object_key is not null")
                .mapTo(String.class).list()));
        return keys;
    }

    private static int garbage() {
        return DB.withHandle(h -> h.createQuery("select count(*) from attachment_garbage").mapTo(Integer.class).one());
    }

    private static int uploadsInProgress() {
        return api.get("/metrics", null).text().lines().filter(line -> line.startsWith("reyna_attachment_uploads "))
                .map(line -> (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    @Test
    void an_export_carries_files_kept_in_s3_and_an_import_keeps_them_there_again() throws Exception {
        byte[] file = random(9 << 20, 11);
        uploaded(blob, file);
        var export = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port()
                        + "/api/v1/export?attachments=true&bucketId=" + bucket)).header("Authorization", "Bearer " + token).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(export.statusCode()).isEqualTo(200);
        String target = expect(api.post("/api/v1/buckets", token, Map.of("name", "S3 copy " + UUID.randomUUID())), 201)
                .get("id").asString();

        var imported = ExportImportTest.upload(studio.port(), target, token, "application/zip", export.body());

        assertThat(imported.status()).as(imported.text()).isEqualTo(200);
        assertThat(imported.json().at("/created/attachments").asLong()).isEqualTo(1);
        String copy = api.get("/api/v1/buckets?parentId=" + target, token).json().at("/items/0/id").asString();
        String copiedBlob = api.get("/api/v1/buckets/" + copy + "/blobs", token).json().at("/items/0/id").asString();
        String copied = api.get("/api/v1/blobs/" + copiedBlob + "/attachments", token).json().at("/items/0/id").asString();
        assertThat(objectKeys()).contains("attachments/" + copied);
        var bytes = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + studio.port() + "/api/v1/blobs/" + copiedBlob
                + "/attachments/" + copied)).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(bytes.body()).isEqualTo(file);
        assertThat(orphans()).isEmpty();
    }

    @Test
    void a_file_of_several_parts_goes_up_and_comes_back_whole_and_in_ranges() throws Exception {
        byte[] file = random(20 * 1024 * 1024 + 7, 21);
        String id = uploaded(blob, file);
        String key = "attachments/" + id;
        var head = objects.headObject(b -> b.bucket(BUCKET).key(key));
        assertThat(head.contentLength()).isEqualTo(file.length);
        assertThat(head.contentType()).isEqualTo("application/octet-stream");
        var row = DB.withHandle(h -> h.createQuery("select storage, chunk_bytes, encode(sha256, 'hex') from attachments where id = :id")
                .bind("id", UUID.fromString(id)).mapToMap().one());
        assertThat(row).containsEntry("storage", "s3").containsEntry("encode", sha256(file));
        assertThat(row.get("chunk_bytes")).isNull();

        var whole = download(id);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(file);
        int part = 8 << 20;
        var across = download(id, "Range", "bytes=" + (part - 3) + "-" + (part + 2));
        assertThat(across.statusCode()).isEqualTo(206);
        assertThat(across.body()).isEqualTo(Arrays.copyOfRange(file, part - 3, part + 3));
        assertThat(download(id, "Range", "bytes=-5").body()).isEqualTo(Arrays.copyOfRange(file, file.length - 5, file.length));

        // A file smaller than a part is put whole.
        byte[] small = "small".getBytes(StandardCharsets.US_ASCII);
        String smallId = uploaded(blob, small);
        assertThat(objects.headObject(b -> b.bucket(BUCKET).key("attachments/" + smallId)).contentLength()).isEqualTo(5);
        assertThat(download(smallId).body()).isEqualTo(small);
        assertThat(garbage()).isZero();
    }

    @Test
    void an_upload_cut_off_halfway_leaves_no_object_and_no_open_multipart_upload() throws Exception {
        try (var socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", studio.port()), 5000);
            var out = socket.getOutputStream();
            out.write(("POST /api/v1/blobs/" + blob + "/attachments?filename=cut.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: Bearer " + token + "\r\nContent-Type: application/octet-stream\r\n"
                    + "Content-Length: " + (20 << 20) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            // More than one part: the multipart upload has begun when the client goes.
            out.write(random(12 << 20, 22));
            out.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> DB.withHandle(h -> h.createQuery(
                    "select count(*) from attachment_garbage where upload_id is not null").mapTo(Integer.class).one()) == 1);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> uploadsInProgress() == 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> garbage() == 0);
        assertThat(orphans()).isEmpty();
        assertThat(objects.listMultipartUploads(b -> b.bucket(BUCKET)).uploads()).isEmpty();
        assertThat(expect(api.get("/api/v1/blobs/" + blob + "/attachments", token), 200).get("items")).isEmpty();
    }

    @Test
    void deleting_an_attachment_its_blob_or_its_bucket_deletes_its_object() throws Exception {
        String kept = uploaded(blob, random(1000, 23));
        String deleted = uploaded(blob, random(1000, 24));
        String otherBlob = newBlob();
        String withBlob = uploaded(otherBlob, random(1000, 25));
        String child = expect(api.post("/api/v1/buckets", token, Map.of("name", "Child", "parentId", bucket)), 201).get("id").asString();
        String childBlob = expect(api.post("/api/v1/buckets/" + child + "/blobs", token, Map.of("schemaId", schema, "data", Map.of())),
                201).get("id").asString();
        String withBucket = uploaded(childBlob, random(1000, 26));
        assertThat(objectKeys()).contains("attachments/" + kept, "attachments/" + deleted, "attachments/" + withBlob,
                "attachments/" + withBucket);

        expect(api.call("DELETE", "/api/v1/blobs/" + blob + "/attachments/" + deleted, token, null, null, Map.of()), 204);
        await().atMost(Duration.ofSeconds(20)).until(() -> !objectKeys().contains("attachments/" + deleted));
        expect(api.call("DELETE", "/api/v1/blobs/" + otherBlob, token, null, null, Map.of()), 204);
        await().atMost(Duration.ofSeconds(20)).until(() -> !objectKeys().contains("attachments/" + withBlob));
        expect(api.call("DELETE", "/api/v1/buckets/" + child + "?recursive=true", token, null, null, Map.of()), 204);
        await().atMost(Duration.ofSeconds(20)).until(() -> !objectKeys().contains("attachments/" + withBucket));
        assertThat(objectKeys()).contains("attachments/" + kept);
        await().atMost(Duration.ofSeconds(20)).until(() -> garbage() == 0);
    }

    @Test
    void while_the_store_is_down_uploads_wait_and_deleted_objects_are_deleted_once_it_is_back() throws Exception {
        byte[] file = random(5000, 27);
        String id = uploaded(blob, file);
        s3.stop();
        try {
            var refused = upload(blob, "later.bin", random(1000, 28));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            var unreadable = download(id);
            assertThat(unreadable.statusCode()).isEqualTo(503);
            assertThat(unreadable.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            // The row goes at once; the object stays listed until the store takes the delete.
            expect(api.call("DELETE", "/api/v1/blobs/" + blob + "/attachments/" + id, token, null, null, Map.of()), 204);
            await().atMost(Duration.ofSeconds(30)).until(() -> DB.withHandle(h -> h.createQuery(
                    "select coalesce(min(attempts), 0) from attachment_garbage where object_key = :key")
                    .bind("key", "attachments/" + id).mapTo(Integer.class).one()) >= 1);
        } finally {
            s3.resume();
        }
        assertThat(objectKeys()).contains("attachments/" + id);
        // Pretend the back-off has passed: the next sweep (every few seconds) deletes the objects.
        DB.useHandle(h -> h.execute("update attachment_garbage set not_before = now()"));
        await().atMost(Duration.ofSeconds(30)).until(() -> garbage() == 0);
        assertThat(objectKeys()).doesNotContain("attachments/" + id);
        assertThat(orphans()).isEmpty();
    }
}
