package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import studio.reyna.db.TestDatabase;

/** Quotas and rate limits as a client meets them, on studios of their own (the shared test studio has both set high). */
class LimitsTest {
    @TempDir
    Path temp;

    private final List<Studio> nodes = new ArrayList<>();
    private final String database = TestDatabase.createEmpty();

    @AfterEach
    void stop() {
        nodes.forEach(Studio::close);
    }

    private Api node(Map<String, String> settings) {
        var env = new HashMap<>(settings);
        env.put("REYNA_DB_URL", database);
        env.put("REYNA_DB_POOL_SIZE", "4");
        var studio = Studio.start(StudioConfig.read(env, 0, temp.resolve("unused")));
        nodes.add(studio);
        return new Api(studio.port());
    }

    @Test
    void a_write_past_a_quota_is_refused_with_a_problem_that_names_it_and_the_usage_shows_why() {
        var api = node(Map.of("REYNA_QUOTA_BUCKETS", "2"));
        String token = api.register("quota").get("accessToken").asString();
        assertThat(api.post("/api/v1/buckets", token, Map.of("name", "One")).status()).isEqualTo(201);
        assertThat(api.post("/api/v1/buckets", token, Map.of("name", "Two")).status()).isEqualTo(201);

        var refused = api.post("/api/v1/buckets", token, Map.of("name", "Three"));

        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.contentType()).startsWith("application/problem+json");
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:reyna:problem:quota-exceeded");
        assertThat(refused.json().get("limit").asString()).isEqualTo("buckets");
        assertThat(refused.json().get("used").asLong()).isEqualTo(2);
        assertThat(refused.json().get("max").asLong()).isEqualTo(2);
        var usage = api.get("/api/v1/me/usage", token).json();
        assertThat(usage.at("/buckets/used").asLong()).isEqualTo(2);
        assertThat(usage.at("/buckets/max").asLong()).isEqualTo(2);
        assertThat(api.get("/api/v1/buckets", token).json().get("items")).hasSize(2);
    }

    @Test
    void every_limited_answer_tells_the_budget_and_the_one_past_it_gets_429_with_retry_after() {
        var api = node(Map.of("REYNA_RATE_API_PER_MINUTE", "3"));
        String token = api.register("limited").get("accessToken").asString();

        for (int remaining = 2; remaining >= 0; remaining--) {
            var answer = api.get("/api/v1/me", token);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header("RateLimit-Policy")).isEqualTo("\"api\";q=3;w=60");
            assertThat(answer.header("RateLimit")).startsWith("\"api\";r=" + remaining + ";t=");
        }
        var refused = api.get("/api/v1/me", token);

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("type").asString()).isEqualTo("urn:reyna:problem:rate-limited");
        assertThat(refused.json().get("policy").asString()).isEqualTo("api");
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 20L);
        assertThat(refused.json().get("retryAfter").asLong()).isEqualTo(retryAfter);
        // Another user has a budget of their own.
        String other = api.register("unlimited").get("accessToken").asString();
        assertThat(api.get("/api/v1/me", other).status()).isEqualTo(200);
    }

    @Test
    void blob_creation_has_a_budget_of_its_own_on_top_of_the_api_one() {
        var api = node(Map.of("REYNA_RATE_BLOB_CREATES_PER_MINUTE", "2"));
        String token = api.register("creator").get("accessToken").asString();
        String schema = "limits-" + UUID.randomUUID().toString().substring(0, 8);
        api.post("/api/v1/schemas", token, Api.JSON.readTree("{\"id\":\"" + schema + "\",\"name\":\"L\",\"schema\":{}}"));
        String bucket = api.post("/api/v1/buckets", token, Map.of("name", "B")).json().get("id").asString();
        var blob = Api.JSON.readTree("{\"schemaId\":\"" + schema + "\",\"data\":{}}");

        var first = api.post("/api/v1/buckets/" + bucket + "/blobs", token, blob);
        assertThat(first.header("RateLimit-Policy")).isEqualTo("\"api\";q=100;w=60, \"blob-creation\";q=2;w=60");
        assertThat(api.post("/api/v1/buckets/" + bucket + "/blobs", token, blob).status()).isEqualTo(201);
        var refused = api.post("/api/v1/buckets/" + bucket + "/blobs", token, blob);

        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("policy").asString()).isEqualTo("blob-creation");
        assertThat(api.get("/api/v1/buckets/" + bucket + "/blobs", token).status()).isEqualTo(200);
    }

    @Test
    void a_batch_spends_a_blob_creation_token_per_create_and_one_bigger_than_the_budget_spends_all_of_it() {
        var api = node(Map.of("REYNA_RATE_BLOB_CREATES_PER_MINUTE", "3"));
        String token = api.register("batcher").get("accessToken").asString();
        String schema = "batched-" + UUID.randomUUID().toString().substring(0, 8);
        api.post("/api/v1/schemas", token, Api.JSON.readTree("{\"id\":\"" + schema + "\",\"name\":\"L\",\"schema\":{}}"));
        String bucket = api.post("/api/v1/buckets", token, Map.of("name", "B")).json().get("id").asString();
        var create = Map.of("op", "create", "bucketId", bucket, "schemaId", schema, "data", Map.of());

        // A batch larger than the whole budget waits for a full budget, then spends it.
        var big = api.post("/api/v1/batch", token, Map.of("operations", List.of(create, create, create, create, create)));
        assertThat(big.status()).as(big.text()).isEqualTo(200);
        assertThat(big.header("RateLimit")).contains("\"blob-creation\";r=0");
        var next = api.post("/api/v1/batch", token, Map.of("operations", List.of(create)));
        assertThat(next.status()).isEqualTo(429);
        assertThat(next.json().get("policy").asString()).isEqualTo("blob-creation");
        assertThat(api.get("/api/v1/buckets/" + bucket + "/blobs", token).json().get("items")).hasSize(5);
        // Operations that create nothing spend nothing of it.
        String id = big.json().at("/results/0/blob/id").asString();
        assertThat(api.post("/api/v1/batch", token, Map.of("operations", List.of(Map.of("op", "delete", "blobId", id))))
                .status()).isEqualTo(200);
    }

    @Test
    void sign_in_attempts_are_limited_per_client_address_whoever_they_name() {
        var api = node(Map.of("REYNA_RATE_AUTH_PER_MINUTE", "3"));
        for (int i = 0; i < 3; i++) {
            var wrong = api.post("/api/v1/auth/login", null, Map.of("email", "victim" + i + "@example.org", "password", "guess " + i));
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.header("RateLimit-Policy")).isEqualTo("\"auth\";q=3;w=60");
        }
        var refused = api.post("/api/v1/auth/login", null, Map.of("email", "victim@example.org", "password", "guess"));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.json().get("policy").asString()).isEqualTo("auth");
    }

    @Test
    void off_turns_every_rate_limit_off() {
        var api = node(Map.of("REYNA_RATE_LIMITS", "off", "REYNA_RATE_API_PER_MINUTE", "1"));
        String token = api.register("free").get("accessToken").asString();
        for (int i = 0; i < 5; i++) {
            var answer = api.get("/api/v1/me", token);
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header("RateLimit")).isNull();
        }
    }

    @Test
    void two_nodes_with_redis_share_one_budget() {
        var settings = Map.of("REYNA_RATE_API_PER_MINUTE", "4", "REYNA_REDIS_URL", "redis://127.0.0.1:6379");
        var a = node(settings);
        var b = node(settings);
        String token = a.register("shared").get("accessToken").asString();
        awaitShared(0);
        awaitShared(1);

        assertThat(a.get("/api/v1/me", token).status()).isEqualTo(200);
        assertThat(b.get("/api/v1/me", token).status()).isEqualTo(200);
        assertThat(a.get("/api/v1/me", token).status()).isEqualTo(200);
        var last = b.get("/api/v1/me", token);
        assertThat(last.status()).isEqualTo(200);
        assertThat(last.header("RateLimit")).startsWith("\"api\";r=0;");

        assertThat(a.get("/api/v1/me", token).status()).isEqualTo(429);
        assertThat(b.get("/api/v1/me", token).status()).isEqualTo(429);
    }

    @Test
    void a_changed_limit_applies_at_once_even_to_buckets_kept_in_redis() {
        var settings = new HashMap<>(Map.of("REYNA_RATE_API_PER_MINUTE", "2", "REYNA_REDIS_URL", "redis://127.0.0.1:6379"));
        var small = node(settings);
        String token = small.register("resized").get("accessToken").asString();
        awaitShared(0);
        small.get("/api/v1/me", token);
        small.get("/api/v1/me", token);
        assertThat(small.get("/api/v1/me", token).status()).isEqualTo(429);

        settings.put("REYNA_RATE_API_PER_MINUTE", "5");
        var larger = node(settings);
        awaitShared(1);
        var answer = larger.get("/api/v1/me", token);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("RateLimit")).startsWith("\"api\";r=4;");
    }

    @Test
    void with_redis_gone_requests_are_still_served_and_limited_by_each_node_until_it_is_back() {
        try (var redis = new TcpProxy(6379)) {
            var api = node(Map.of("REYNA_RATE_API_PER_MINUTE", "3", "REYNA_REDIS_URL", "redis://127.0.0.1:" + redis.port()));
            String token = api.register("failover").get("accessToken").asString();
            awaitShared(0);
            assertThat(api.get("/api/v1/me", token).status()).isEqualTo(200);

            redis.stop();
            for (int i = 0; i < 3; i++) {
                assertThat(api.get("/api/v1/me", token).status()).isEqualTo(200);
            }
            assertThat(api.get("/api/v1/me", token).status()).as("the node still limits on its own").isEqualTo(429);
            assertThat(nodes.get(0).sharedRateLimits()).isFalse();
            var health = api.get("/health/ready", null);
            assertThat(health.status()).as("ready: it serves without Redis").isEqualTo(200);
            assertThat(health.json().at("/checks/redis/status").asString()).isEqualTo("down");

            redis.start();
            awaitShared(0);
            assertThat(api.get("/health/ready", null).json().at("/checks/redis/status").asString()).isEqualTo("up");
        }
    }

    @Test
    void with_redis_hanging_requests_are_still_served_and_counted_by_the_node() {
        try (var redis = new TcpProxy(6379)) {
            var api = node(Map.of("REYNA_RATE_API_PER_MINUTE", "3", "REYNA_REDIS_URL", "redis://127.0.0.1:" + redis.port()));
            String token = api.register("hanging").get("accessToken").asString();
            awaitShared(0);
            assertThat(api.get("/api/v1/me", token).status()).isEqualTo(200);

            redis.freeze();
            for (int i = 0; i < 3; i++) {
                assertThat(api.get("/api/v1/me", token).status()).isEqualTo(200);
            }
            assertThat(api.get("/api/v1/me", token).status()).as("the node still limits on its own").isEqualTo(429);
            assertThat(nodes.get(0).sharedRateLimits()).isFalse();
        }
    }

    @Test
    void a_node_starts_and_serves_when_redis_cannot_be_reached_at_all() throws Exception {
        int closedPort;
        try (var probe = new java.net.ServerSocket(0)) {
            closedPort = probe.getLocalPort();
        }
        var api = node(Map.of("REYNA_REDIS_URL", "redis://127.0.0.1:" + closedPort));
        String token = api.register("no-redis").get("accessToken").asString();
        var answer = api.get("/api/v1/me", token);
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("RateLimit")).startsWith("\"api\";r=");
        assertThat(nodes.get(0).sharedRateLimits()).isFalse();
    }

    private void awaitShared(int node) {
        await().atMost(Duration.ofSeconds(15)).until(() -> nodes.get(node).sharedRateLimits());
    }
}
