package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import studio.reyna.db.EmbeddedDatabase;

/**
 * The embedded default, as {@code bin/reyna serve} runs it: PostgreSQL in the data directory,
 * kept across restarts.
 */
class RestartTest {
    @TempDir
    Path dataDir;

    @Test
    void data_written_before_a_restart_is_there_after_it() throws Exception {
        String email;
        String bucketId;
        String blobId;
        try (var studio = Studio.start(StudioConfig.read(Map.of(), 0, dataDir))) {
            var api = new Api(studio.port());
            var session = api.register("restart");
            email = session.at("/user/email").asString();
            String token = session.get("accessToken").asString();
            assertThat(api.post("/api/v1/schemas", token, Api.JSON.readTree(
                    "{\"id\":\"diary-entry\",\"name\":\"Diary\",\"schema\":{\"type\":\"object\"}}")).status()).isEqualTo(201);
            bucketId = api.post("/api/v1/buckets", token, Map.of("name", "Diary")).json().get("id").asString();
            blobId = api.post("/api/v1/buckets/" + bucketId + "/blobs", token, Api.JSON.readTree(
                    "{\"schemaId\":\"diary-entry\",\"data\":{\"text\":\"Dear diary\"}}")).json().get("id").asString();
        }
        assertThat(Files.isDirectory(dataDir.resolve("postgres"))).isTrue();

        try (var studio = Studio.start(StudioConfig.read(Map.of(), 0, dataDir))) {
            var api = new Api(studio.port());
            var login = api.post("/api/v1/auth/login", null, Map.of("email", email, "password", "correct horse battery staple"));
            assertThat(login.status()).isEqualTo(200);
            String token = login.json().get("accessToken").asString();
            var blob = api.get("/api/v1/blobs/" + blobId, token);
            assertThat(blob.status()).isEqualTo(200);
            assertThat(blob.json().at("/data/text").asString()).isEqualTo("Dear diary");
            assertThat(blob.json().get("bucketId").asString()).isEqualTo(bucketId);
            assertThat(api.get("/health/ready", null).status()).isEqualTo(200);
            // Durable: a commit is flushed to disk before it is acknowledged (zonky turns both off).
            var server = EmbeddedDatabase.running(dataDir).orElseThrow();
            Jdbi.create(server.jdbcUrl()).useHandle(h -> {
                assertThat(h.createQuery("show fsync").mapTo(String.class).one()).isEqualTo("on");
                assertThat(h.createQuery("show synchronous_commit").mapTo(String.class).one()).isEqualTo("on");
            });

            assertThatThrownBy(() -> Studio.start(StudioConfig.read(Map.of(), 0, dataDir)))
                    .as("a second studio on the same data directory")
                    .hasMessageContaining("in use by another running studio");
            assertThat(api.get("/health/ready", null).status()).as("the first one is unharmed").isEqualTo(200);
        }
    }
}
