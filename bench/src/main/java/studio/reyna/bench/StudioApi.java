package studio.reyna.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The few REST calls the benchmarks need (docs/quickstart.md), over the JDK's HTTP client. */
final class StudioApi {
    static final JsonMapper JSON = JsonMapper.builder().build();

    private final URI base;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    /** {@code base} is the studio's root, e.g. {@code http://127.0.0.1:8080}. */
    StudioApi(String base) {
        this.base = URI.create(base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    }

    URI webSocketUri() {
        return URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/api/v1/ws");
    }

    /** Registers a new account and returns its access token. */
    String register(String email) throws IOException, InterruptedException {
        var body = JSON.createObjectNode().put("email", email).put("password", "bench password " + email)
                .put("displayName", "Bench");
        return post("/api/v1/auth/register", null, body, 201).path("accessToken").asString();
    }

    /** A schema every user of the installation may use: a note with a title. */
    void createSchema(String token, String id) throws IOException, InterruptedException {
        var schema = JSON.readTree("""
                {"type":"object","required":["title"],"x-reyna-title":"title",
                 "properties":{"title":{"type":"string","maxLength":200},"body":{"type":"string","contentMediaType":"text/markdown"}}}""");
        var body = JSON.createObjectNode().put("id", id).put("name", "Bench note");
        body.set("schema", schema);
        post("/api/v1/schemas", token, body, 201);
    }

    String createBucket(String token, String name) throws IOException, InterruptedException {
        return post("/api/v1/buckets", token, JSON.createObjectNode().put("name", name), 201).path("id").asString();
    }

    String createBucket(String token, String name, String parentId) throws IOException, InterruptedException {
        return post("/api/v1/buckets", token, JSON.createObjectNode().put("name", name).put("parentId", parentId), 201)
                .path("id").asString();
    }

    /** Shares a bucket (and everything below it) with the user of {@code email}, read-only. */
    void share(String token, String bucketId, String email) throws IOException, InterruptedException {
        post("/api/v1/buckets/" + bucketId + "/shares", token, JSON.createObjectNode().put("email", email).put("access", "read"), 201);
    }

    /** Creates one blob; returns its id. */
    String createBlob(String token, String bucketId, String schemaId, String title) throws IOException, InterruptedException {
        var body = JSON.createObjectNode().put("schemaId", schemaId);
        body.putObject("data").put("title", title);
        return post("/api/v1/buckets/" + bucketId + "/blobs", token, body, 201).path("id").asString();
    }

    URI base() {
        return base;
    }

    /** Creates one blob over {@code connection}; returns the HTTP status (201 when it was written). */
    static int createBlob(HttpConnection connection, String token, String bucketId, String schemaId, String title)
            throws IOException {
        var body = JSON.createObjectNode().put("schemaId", schemaId);
        body.putObject("data").put("title", title).put("body", "written by the delivery benchmark");
        return connection.post("/api/v1/buckets/" + bucketId + "/blobs", token, JSON.writeValueAsString(body));
    }

    private JsonNode post(String path, String token, ObjectNode body, int expected) throws IOException, InterruptedException {
        var response = http.send(request(path, token, body), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IOException("POST " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private HttpRequest request(String path, String token, ObjectNode body) {
        var builder = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.build();
    }
}
