package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static studio.reyna.app.Api.expect;
import static studio.reyna.app.TestFiles.random;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * Export from the shared test studio and import into a second, fresh installation (its own empty
 * database): content comes back equal, a repeated import creates nothing, bad files import nothing.
 */
class ExportImportTest {
    private static final String FRESH_DATABASE = TestDatabase.createEmpty();
    private static final Studio FRESH = Studio.start(StudioConfig.read(Map.of(
            "REYNA_DB_URL", FRESH_DATABASE, "REYNA_DB_POOL_SIZE", "4", "REYNA_RATE_LIMITS", "off",
            "REYNA_ROLES", "api,relay"), 0, Path.of("target/unused-data")));
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final Api source = TestStudio.api();
    private final int sourcePort = TestStudio.port();
    private final Api fresh = new Api(FRESH.port());
    private final String sourceToken = source.register("exporter").get("accessToken").asString();
    private final String freshToken = fresh.register("importer").get("accessToken").asString();
    private final String schema = "note-" + UUID.randomUUID().toString().substring(0, 8);

    @AfterAll
    static void stop() {
        FRESH.close();
    }

    /**
     * A schema of two versions (the second with a migration, so blobs stored at the first read at the
     * second), a tree Notes/{Work/{Old}, Home} with blobs of both versions; answers the root's id.
     */
    private String content() {
        expect(source.post("/api/v1/schemas", sourceToken, Map.of("id", schema, "name", "Note", "schema", Map.of(
                "type", "object", "properties", Map.of("title", Map.of("type", "string")), "required", List.of("title")))), 201);
        expect(source.post("/api/v1/schemas/" + schema + "/versions", sourceToken, Map.of("schema", Map.of(
                "type", "object", "properties", Map.of("title", Map.of("type", "string"), "tags", Map.of("type", "array")),
                "required", List.of("title", "tags")), "migration", List.of(Map.of("op", "default", "path", "/tags", "value", List.of())))),
                201);
        String notes = bucket(source, sourceToken, "Notes", null);
        String work = bucket(source, sourceToken, "Work", notes);
        String old = bucket(source, sourceToken, "Old", work);
        String home = bucket(source, sourceToken, "Home", notes);
        blob(source, sourceToken, notes, 1, Map.of("title", "Read me"));
        blob(source, sourceToken, work, 2, Map.of("title", "Plan", "tags", List.of("q3", "ünïcode ✓")));
        blob(source, sourceToken, old, 1, Map.of("title", "Archive", "n", 0.1000000000000000000001));
        blob(source, sourceToken, home, 2, Map.of("title", "Groceries", "tags", List.of()));
        return notes;
    }

    @Test
    void a_json_export_imported_into_a_fresh_installation_gives_equal_content() throws Exception {
        String notes = content();
        var export = download("/api/v1/export", sourceToken);
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("content-type").orElse("")).startsWith("application/json");
        assertThat(export.headers().firstValue("content-disposition").orElse("")).startsWith("attachment; filename=\"reyna-export-");
        assertThat(export.headers().firstValue("reyna-export-counts").orElse(""))
                .isEqualTo("schemaVersions=2, buckets=4, blobs=4, attachments=0");
        String target = bucket(fresh, freshToken, "Restored", null);

        var result = expect(upload(FRESH.port(), target, freshToken, "application/json", export.body()), 200);

        assertThat(result.at("/created/schemaVersions").asLong()).isEqualTo(2);
        assertThat(result.at("/created/buckets").asLong()).isEqualTo(4);
        assertThat(result.at("/created/blobs").asLong()).isEqualTo(4);
        // The importer's usage counts the imported blobs exactly as the exporter's counts the originals.
        var usage = fresh.get("/api/v1/me/usage", freshToken).json();
        var sourceUsage = source.get("/api/v1/me/usage", sourceToken).json();
        assertThat(usage.at("/blobs/used").asLong()).isEqualTo(4);
        assertThat(usage.at("/bytes/used").asLong()).isEqualTo(sourceUsage.at("/bytes/used").asLong()).isPositive();
        // One event per created item, as any other write makes: sockets and processors see what came in.
        assertThat(eventsOf(fresh.get("/api/v1/me", freshToken).json().get("id").asString()))
                .isEqualTo(Map.of("schema.published", 2L, "bucket.created", 5L, "blob.created", 4L));
        assertThat(contentOf(fresh, freshToken, target)).isEqualTo(prefixed(contentOf(source, sourceToken, notes), "/Notes"));
        for (int version = 1; version <= 2; version++) {
            var imported = fresh.get("/api/v1/schemas/" + schema + "/versions/" + version, freshToken).json();
            var original = source.get("/api/v1/schemas/" + schema + "/versions/" + version, sourceToken).json();
            assertThat(imported.get("schema")).isEqualTo(original.get("schema"));
            assertThat(imported.get("migration")).isEqualTo(original.get("migration"));
        }
    }

    @Test
    void a_zip_export_brings_the_attachments_files_along() throws Exception {
        String notes = content();
        String blob = firstBlob(source, sourceToken, notes);
        byte[] file = random(3 * (1 << 20) + 17, 42);
        var attached = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sourcePort + "/api/v1/blobs/" + blob
                        + "/attachments?filename=photo.bin")).header("Authorization", "Bearer " + sourceToken)
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(file)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(attached.statusCode()).as(attached.body()).isEqualTo(201);

        var export = download("/api/v1/export?bucketId=" + notes + "&attachments=true", sourceToken);
        assertThat(export.statusCode()).isEqualTo(200);
        assertThat(export.headers().firstValue("content-type").orElse("")).isEqualTo("application/zip");
        assertThat(entries(export.body())).first().isEqualTo("export.json");
        String target = bucket(fresh, freshToken, "Restored", null);

        var result = expect(upload(FRESH.port(), target, freshToken, "application/zip", export.body()), 200);

        assertThat(result.at("/created/attachments").asLong()).isEqualTo(1);
        assertThat(contentOf(fresh, freshToken, target)).isEqualTo(prefixed(contentOf(source, sourceToken, notes), "/Notes"));
        String imported = firstBlob(fresh, freshToken, children(fresh, freshToken, target).getFirst().get("id").asString());
        var list = fresh.get("/api/v1/blobs/" + imported + "/attachments", freshToken).json().get("items");
        assertThat(list).hasSize(1);
        assertThat(list.get(0).get("filename").asString()).isEqualTo("photo.bin");
        var bytes = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + FRESH.port() + "/api/v1/blobs/" + imported
                + "/attachments/" + list.get(0).get("id").asString())).header("Authorization", "Bearer " + freshToken).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(bytes.body()).isEqualTo(file);
    }

    @Test
    void importing_the_same_export_twice_creates_nothing_the_second_time() throws Exception {
        content();
        byte[] export = download("/api/v1/export?attachments=true", sourceToken).body();
        String target = bucket(fresh, freshToken, "Twice", null);
        var first = expect(upload(FRESH.port(), target, freshToken, "application/zip", export), 200);
        var usage = fresh.get("/api/v1/me/usage", freshToken).json();

        var second = expect(upload(FRESH.port(), target, freshToken, "application/zip", export), 200);

        assertThat(second.get("created")).isEqualTo(Api.JSON.readTree("{\"schemaVersions\":0,\"buckets\":0,\"blobs\":0,\"attachments\":0}"));
        assertThat(second.get("existing")).isEqualTo(first.get("created"));
        assertThat(eventsOf(fresh.get("/api/v1/me", freshToken).json().get("id").asString()).get("blob.created")).isEqualTo(4L);
        assertThat(fresh.get("/api/v1/me/usage", freshToken).json()).isEqualTo(usage);
        assertThat(children(fresh, freshToken, target)).hasSize(1);
    }

    @Test
    void an_invalid_blob_imports_nothing_and_is_named_by_its_pointer() throws Exception {
        content();
        var document = (tools.jackson.databind.node.ObjectNode) Api.JSON.readTree(download("/api/v1/export", sourceToken).body());
        var blobs = (tools.jackson.databind.node.ArrayNode) document.get("blobs");
        ((tools.jackson.databind.node.ObjectNode) blobs.get(2).get("data")).put("title", 17);
        String target = bucket(fresh, freshToken, "Refused", null);

        var refused = upload(FRESH.port(), target, freshToken, "application/json", Api.JSON.writeValueAsBytes(document));

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().at("/errors/0/pointer").asString()).isEqualTo("/blobs/2/data/title");
        assertNothingImported(target);
    }

    @Test
    void a_truncated_or_garbage_file_is_a_400_and_imports_nothing() throws Exception {
        content();
        byte[] json = download("/api/v1/export", sourceToken).body();
        byte[] zip = download("/api/v1/export?attachments=true", sourceToken).body();
        String target = bucket(fresh, freshToken, "Broken", null);

        var truncated = upload(FRESH.port(), target, freshToken, "application/json", Arrays.copyOf(json, json.length - 40));
        var truncatedZip = upload(FRESH.port(), target, freshToken, "application/zip", Arrays.copyOf(zip, zip.length / 2));
        var garbage = upload(FRESH.port(), target, freshToken, "application/zip", random(5000, 7));
        var notJson = upload(FRESH.port(), target, freshToken, "application/json", "not json".getBytes(StandardCharsets.UTF_8));

        for (var answer : List.of(truncated, truncatedZip, garbage, notJson)) {
            assertThat(answer.status()).as(answer.text()).isEqualTo(400);
            assertThat(answer.contentType()).startsWith("application/problem+json");
        }
        assertNothingImported(target);
    }

    @Test
    void an_export_of_a_bucket_holds_its_subtree_and_nothing_else() throws Exception {
        String notes = content();
        String work = children(source, sourceToken, notes).stream().filter(b -> b.get("name").asString().equals("Work"))
                .findFirst().orElseThrow().get("id").asString();
        bucket(source, sourceToken, "Elsewhere", null);

        var document = Api.JSON.readTree(download("/api/v1/export?bucketId=" + work, sourceToken).body());

        assertThat(document.get("buckets")).extracting(b -> b.get("name").asString()).containsExactly("Work", "Old");
        assertThat(document.at("/buckets/0/parentId").isNull()).isTrue();
        assertThat(document.get("blobs")).extracting(b -> b.at("/data/title").asString()).containsExactlyInAnyOrder("Plan", "Archive");
        assertThat(document.get("schemas")).hasSize(1);
        assertThat(document.at("/schemas/0/versions")).hasSize(2);
    }

    @Test
    void another_users_bucket_is_not_found_for_export_or_import() throws Exception {
        String notes = content();
        String stranger = source.register("stranger").get("accessToken").asString();

        var export = source.get("/api/v1/export?bucketId=" + notes, stranger);
        var restore = upload(sourcePort, notes, stranger, "application/json", download("/api/v1/export", sourceToken).body());

        assertThat(export.status()).isEqualTo(404);
        assertThat(export.contentType()).startsWith("application/problem+json");
        assertThat(restore.status()).isEqualTo(404);
        assertThat(children(source, sourceToken, notes)).hasSize(2);
    }

    @Test
    void an_import_without_a_bucket_or_of_another_type_is_refused() throws Exception {
        var missing = upload(FRESH.port(), null, freshToken, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        var wrongType = upload(FRESH.port(), bucket(fresh, freshToken, "Typed", null), freshToken, "text/plain",
                "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.json().at("/errors/0/pointer").asString()).isEqualTo("/bucketId");
        assertThat(wrongType.status()).isEqualTo(415);
    }

    @Test
    void a_schema_id_that_is_another_document_here_is_named_and_nothing_is_imported() throws Exception {
        content();
        byte[] export = download("/api/v1/export", sourceToken).body();
        expect(fresh.post("/api/v1/schemas", freshToken, Map.of("id", schema, "name", "Other", "schema", Map.of("type", "string"))), 201);
        String target = bucket(fresh, freshToken, "Clash", null);

        var refused = upload(FRESH.port(), target, freshToken, "application/json", export);

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().at("/errors/0/pointer").asString()).isEqualTo("/schemas/0/versions/0/document");
        assertThat(refused.json().at("/errors/0/message").asString()).contains(schema);
        assertThat(children(fresh, freshToken, target)).isEmpty();
        assertThat(fresh.get("/api/v1/schemas/" + schema, freshToken).json().get("version").asInt()).isEqualTo(1);
    }

    @Test
    void an_import_past_a_quota_is_refused_whole() throws Exception {
        content();
        byte[] export = download("/api/v1/export", sourceToken).body();
        String userId = fresh.get("/api/v1/me", freshToken).json().get("id").asString();
        org.jdbi.v3.core.Jdbi.create(FRESH_DATABASE).useHandle(h -> h.createUpdate(
                "update user_usage set max_blobs = 3 where user_id = cast(:user as uuid)").bind("user", userId).execute());
        String target = bucket(fresh, freshToken, "Full", null);

        var refused = upload(FRESH.port(), target, freshToken, "application/json", export);

        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:reyna:problem:quota-exceeded");
        assertNothingImported(target);
    }

    @Test
    void an_import_declaring_more_than_the_limit_is_refused_before_its_body_is_read() throws Exception {
        String target = bucket(fresh, freshToken, "Huge", null);
        try (var socket = new java.net.Socket("127.0.0.1", FRESH.port())) {
            socket.setSoTimeout(10_000);
            // 20 GiB declared (the limit is 10 GiB), not one byte of it sent.
            socket.getOutputStream().write(("POST /api/v1/import?bucketId=" + target + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + freshToken + "\r\nContent-Type: application/zip\r\n"
                    + "Content-Length: " + (20L << 30) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);

            assertThat(answer).isEqualTo("HTTP/1.1 413");
        }
        assertThat(children(fresh, freshToken, target)).isEmpty();
    }

    @Test
    void the_example_in_the_documentation_imports() throws Exception {
        String doc = java.nio.file.Files.readString(Path.of("../docs/export.md"));
        String example = doc.substring(doc.indexOf("```json\n{\n  \"format\"") + "```json\n".length());
        example = example.substring(0, example.indexOf("```"));
        String target = bucket(fresh, freshToken, "Example", null);

        var result = expect(upload(FRESH.port(), target, freshToken, "application/json", example.getBytes(StandardCharsets.UTF_8)), 200);

        assertThat(result.get("created")).isEqualTo(Api.JSON.readTree(
                "{\"schemaVersions\":2,\"buckets\":2,\"blobs\":2,\"attachments\":0}"));
        assertThat(result.get("attachmentsWithoutFile").asLong()).isEqualTo(1);
    }

    private void assertNothingImported(String target) {
        assertThat(children(fresh, freshToken, target)).isEmpty();
        assertThat(fresh.get("/api/v1/schemas/" + schema, freshToken).status()).isEqualTo(404);
        assertThat(fresh.get("/api/v1/me/usage", freshToken).json().at("/blobs/used").asLong()).isZero();
    }

    // --- helpers ---

    /** How many events of each type the user owns in the fresh installation. */
    private static Map<String, Long> eventsOf(String userId) {
        var counts = new TreeMap<String, Long>();
        org.jdbi.v3.core.Jdbi.create(FRESH_DATABASE).useHandle(h -> h.createQuery(
                        "select type, count(*) as n from events where owner_id = cast(:owner as uuid) group by type")
                .bind("owner", userId).map((rs, ctx) -> Map.entry(rs.getString("type"), rs.getLong("n")))
                .forEach(e -> counts.put(e.getKey(), e.getValue())));
        return counts;
    }

    private HttpResponse<byte[]> download(String path, String token) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sourcePort + path))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    static Api.Response upload(int port, String bucketId, String token, String contentType, byte[] body)
            throws IOException, InterruptedException {
        var response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/import"
                        + (bucketId == null ? "" : "?bucketId=" + bucketId)))
                .header("Authorization", "Bearer " + token).header("Content-Type", contentType)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        String type = response.headers().firstValue("content-type").orElse("");
        return new Api.Response(response.statusCode(), response.headers().map(), response.body(),
                type.contains("json") ? Api.JSON.readTree(response.body()) : null);
    }

    private static List<String> entries(byte[] zip) throws IOException {
        var names = new ArrayList<String>();
        try (var in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                names.add(entry.getName());
            }
        }
        return names;
    }

    static String bucket(Api api, String token, String name, String parentId) {
        var body = new java.util.HashMap<String, Object>(Map.of("name", name));
        if (parentId != null) {
            body.put("parentId", parentId);
        }
        return expect(api.post("/api/v1/buckets", token, body), 201).get("id").asString();
    }

    private void blob(Api api, String token, String bucketId, int version, Map<String, Object> data) {
        expect(api.post("/api/v1/buckets/" + bucketId + "/blobs", token,
                Map.of("schemaId", schema, "schemaVersion", version, "data", data)), 201);
    }

    private static List<JsonNode> children(Api api, String token, String bucketId) {
        var items = new ArrayList<JsonNode>();
        api.get("/api/v1/buckets?parentId=" + bucketId + "&limit=100", token).json().get("items").forEach(items::add);
        return items;
    }

    private static String firstBlob(Api api, String token, String bucketId) {
        return api.get("/api/v1/buckets/" + bucketId + "/blobs", token).json().at("/items/0/id").asString();
    }

    /** Every bucket below {@code bucketId} by its path of names, with the data and schema version of its blobs. */
    private static Map<String, List<String>> contentOf(Api api, String token, String bucketId) {
        var content = new TreeMap<String, List<String>>();
        collect(api, token, bucketId, "", content);
        return content;
    }

    private static void collect(Api api, String token, String bucketId, String path, Map<String, List<String>> content) {
        var blobs = new ArrayList<String>();
        for (var summary : api.get("/api/v1/buckets/" + bucketId + "/blobs?limit=100", token).json().get("items")) {
            var blob = api.get("/api/v1/blobs/" + summary.get("id").asString(), token).json();
            blobs.add(blob.get("schemaId").asString() + "@" + blob.get("schemaVersion").asInt() + " (stored at "
                    + blob.get("storedSchemaVersion").asInt() + ") " + blob.get("data") + " " + blob.get("createdAt").asString());
        }
        blobs.sort(String::compareTo);
        content.put(path.isEmpty() ? "/" : path, blobs);
        for (var child : children(api, token, bucketId)) {
            collect(api, token, child.get("id").asString(), path + "/" + child.get("name").asString(), content);
        }
    }

    /** The same content as seen from one level up, under a bucket named {@code prefix}, with an empty top. */
    private static Map<String, List<String>> prefixed(Map<String, List<String>> content, String prefix) {
        var moved = new TreeMap<String, List<String>>();
        moved.put("/", List.of());
        content.forEach((path, blobs) -> moved.put(path.equals("/") ? prefix : prefix + path, blobs));
        return moved;
    }
}
