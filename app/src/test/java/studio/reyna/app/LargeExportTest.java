package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static studio.reyna.app.Api.expect;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import studio.reyna.core.json.Json;
import studio.reyna.db.TestDatabase;
import tools.jackson.core.JsonToken;

/**
 * An export of 100,000 blobs (300 MB) from a studio whose heap is 256 MiB, and its import back: the
 * studio runs as a child JVM with {@code -Xmx256m} (exiting on an OutOfMemoryError) on a fresh
 * database seeded by SQL; the client counts the blobs of the export as it reads it from disk, then
 * sends the file back as an import. Prints how long each took.
 */
class LargeExportTest {
    private static final int BLOBS = 100_000;

    @Test
    void an_export_of_100000_blobs_and_its_import_stream_through_a_256_mib_heap() throws Exception {
        String database = TestDatabase.createEmpty();
        Path logs = Files.createDirectories(Path.of("target/large-export"));
        try (var studio = StudioProcess.start(logs, List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                Map.of("REYNA_DB_URL", database, "REYNA_DB_POOL_SIZE", "4", "REYNA_QUOTA_BLOBS", "1000000"))) {
            var api = new Api(studio.port);
            var session = api.register("large-export");
            String token = session.get("accessToken").asString();
            expect(api.post("/api/v1/schemas", token, Map.of("id", "bulk", "name", "Bulk", "schema", Map.of("type", "object"))), 201);
            String bucket = expect(api.post("/api/v1/buckets", token, Map.of("name", "Bulk")), 201).get("id").asString();
            // About 3 KB of JSON each: 300 MB of blobs, more than the whole heap. Counted in the
            // owner's usage at once, not row by row (V15).
            Jdbi.create(database).useTransaction(h -> {
                h.execute("set local reyna.blob_usage = 'counted_by_writer'");
                h.createUpdate("""
                            insert into blobs (id, owner_id, bucket_id, schema_id, schema_version, title, data, size_bytes)
                            select gen_random_uuid(), cast(:owner as uuid), cast(:bucket as uuid), 'bulk', 1, 'Note ' || n,
                                   jsonb_build_object('title', 'Note ' || n, 'body', repeat('lorem ipsum ', 250)), 3000
                            from generate_series(1, :count) n""")
                        .bind("owner", session.at("/user/id").asString()).bind("bucket", bucket).bind("count", BLOBS).execute();
                h.createUpdate("update user_usage set blobs = blobs + :count, bytes = bytes + 3000 * :count"
                                + " where user_id = cast(:owner as uuid)")
                        .bind("owner", session.at("/user/id").asString()).bind("count", BLOBS).execute();
            });

            long started = System.nanoTime();
            var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + studio.port + "/api/v1/export?bucketId=" + bucket))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofFile(logs.resolve("export.json")));
            assertThat(response.statusCode()).isEqualTo(200);
            double exportSeconds = (System.nanoTime() - started) / 1e9;
            long blobs = 0;
            try (InputStream in = Files.newInputStream(response.body()); var parser = Json.newStoredMapper().createParser(in)) {
                // Objects at depth 2 of the "blobs" array are blobs; their data is skipped, not built.
                String section = null;
                int depth = 0;
                for (JsonToken next = parser.nextToken(); next != null; next = parser.nextToken()) {
                    if (next == JsonToken.PROPERTY_NAME && depth == 1) {
                        section = parser.currentName();
                    } else if (next == JsonToken.START_OBJECT || next == JsonToken.START_ARRAY) {
                        depth++;
                        if (depth == 3 && "blobs".equals(section)) {
                            blobs++;
                            parser.skipChildren();
                            depth--;
                        }
                    } else if (next == JsonToken.END_OBJECT || next == JsonToken.END_ARRAY) {
                        depth--;
                    }
                }
            }
            assertThat(blobs).isEqualTo(BLOBS);
            String target = expect(api.post("/api/v1/buckets", token, Map.of("name", "Copy")), 201).get("id").asString();

            started = System.nanoTime();
            var imported = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + studio.port + "/api/v1/import?bucketId=" + target))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .timeout(Duration.ofMinutes(10)).POST(HttpRequest.BodyPublishers.ofFile(response.body())).build(),
                    HttpResponse.BodyHandlers.ofString());
            double importSeconds = (System.nanoTime() - started) / 1e9;

            assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
            assertThat(Api.JSON.readTree(imported.body()).at("/created/blobs").asLong()).isEqualTo(BLOBS);
            System.out.printf("%d blobs, %d MB, through a studio with -Xmx256m: export %.1f s, import %.1f s%n", BLOBS,
                    Files.size(response.body()) / 1_000_000, exportSeconds, importSeconds);
            assertThat(studio.process.isAlive()).as("the studio is still running (no OutOfMemoryError)").isTrue();
        }
    }
}
