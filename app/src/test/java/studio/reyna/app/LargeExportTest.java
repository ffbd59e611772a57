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
 * An export of 100,000 blobs from a studio whose heap is 256 MiB: the studio runs as a child JVM with
 * {@code -Xmx256m} (exiting on an OutOfMemoryError) on a fresh database seeded by SQL; the client
 * counts the blobs of the streamed document as they arrive, holding none of it.
 */
class LargeExportTest {
    private static final int BLOBS = 100_000;

    @Test
    void an_export_of_100000_blobs_streams_through_a_256_mib_heap() throws Exception {
        String database = TestDatabase.createEmpty();
        Path logs = Files.createDirectories(Path.of("target/large-export"));
        try (var studio = StudioProcess.start(logs, List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                Map.of("REYNA_DB_URL", database, "REYNA_DB_POOL_SIZE", "4"))) {
            var api = new Api(studio.port);
            var session = api.register("large-export");
            String token = session.get("accessToken").asString();
            expect(api.post("/api/v1/schemas", token, Map.of("id", "bulk", "name", "Bulk", "schema", Map.of("type", "object"))), 201);
            String bucket = expect(api.post("/api/v1/buckets", token, Map.of("name", "Bulk")), 201).get("id").asString();
            // About 3 KB of JSON each: 300 MB of blobs, more than the whole heap. Without the
            // usage trigger, which would update one row 100,000 times in one transaction (minutes).
            Jdbi.create(database).useTransaction(h -> {
                h.execute("set local session_replication_role = replica");
                h.createUpdate("""
                            insert into blobs (id, owner_id, bucket_id, schema_id, schema_version, title, data, size_bytes)
                            select gen_random_uuid(), cast(:owner as uuid), cast(:bucket as uuid), 'bulk', 1, 'Note ' || n,
                                   jsonb_build_object('title', 'Note ' || n, 'body', repeat('lorem ipsum ', 250)), 3000
                            from generate_series(1, :count) n""")
                        .bind("owner", session.at("/user/id").asString()).bind("bucket", bucket).bind("count", BLOBS).execute();
            });

            long started = System.nanoTime();
            var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + studio.port + "/api/v1/export?bucketId=" + bucket))
                    .header("Authorization", "Bearer " + token).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            long blobs = 0;
            try (InputStream in = response.body(); var parser = Json.newStoredMapper().createParser(in)) {
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
            System.out.printf("export of %d blobs from a studio with -Xmx256m: %.1f s%n", BLOBS, (System.nanoTime() - started) / 1e9);
            assertThat(blobs).isEqualTo(BLOBS);
            assertThat(studio.process.isAlive()).as("the studio is still running (no OutOfMemoryError)").isTrue();
        }
    }
}
