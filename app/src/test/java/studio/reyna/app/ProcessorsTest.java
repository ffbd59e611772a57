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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import studio.reyna.db.TestDatabase;
import studio.reyna.processor.BuiltInProcessors;
import studio.reyna.processor.Processor;
import studio.reyna.processor.ProcessorInput;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Processors on a running studio: the built-ins on real content, and test processors that fail,
 * fail for good or hang, beside each other; settings per user; a second node taking over.
 */
class ProcessorsTest {
    @TempDir
    Path temp;

    private final String database = TestDatabase.createEmpty();
    private final List<Studio> nodes = new ArrayList<>();
    private final studio.reyna.db.Database db = studio.reyna.db.Database.connect(database, 1);
    private final org.jdbi.v3.core.Jdbi jdbi = db.jdbi();

    @AfterEach
    void stop() {
        nodes.forEach(Studio::close);
        db.close();
    }

    private Api node(List<Processor> processors) {
        return node(processors, "api,processors,relay");
    }

    private Api node(List<Processor> processors, String roles) {
        return node(processors, roles, Map.of());
    }

    private Api node(List<Processor> processors, String roles, Map<String, String> more) {
        var env = new HashMap<>(Map.of("REYNA_ROLES", roles, "REYNA_DB_URL", database, "REYNA_DB_POOL_SIZE", "6", "REYNA_RATE_LIMITS", "off",
                "REYNA_PROCESSOR_TIMEOUT_MS", "500", "REYNA_PROCESSOR_ATTEMPTS", "3", "REYNA_PROCESSOR_RETRY_MS", "20"));
        env.putAll(more);
        var studio = Studio.start(StudioConfig.read(env, 0, temp.resolve("unused")), processors);
        nodes.add(studio);
        return new Api(studio.port());
    }

    private record Owner(String token, String schema, String bucket) {
    }

    private static Owner owner(Api api, String schemaDocument) {
        String token = api.register("processing").get("accessToken").asString();
        String schema = "proc-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(api.post("/api/v1/schemas", token, Api.JSON.readTree(
                "{\"id\":\"" + schema + "\",\"name\":\"P\",\"schema\":" + schemaDocument + "}")).status()).isEqualTo(201);
        String bucket = api.post("/api/v1/buckets", token, Map.of("name", "Notes")).json().get("id").asString();
        return new Owner(token, schema, bucket);
    }

    private static String write(Api api, Owner owner, String data) {
        var response = api.post("/api/v1/buckets/" + owner.bucket() + "/blobs", owner.token(), Api.JSON.readTree(
                "{\"schemaId\":\"" + owner.schema() + "\",\"data\":" + data + "}"));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    private static JsonNode derived(Api api, Owner owner, String blobId) {
        return api.get("/api/v1/blobs/" + blobId, owner.token()).json().get("derived");
    }

    private static final String ARTICLE = """
            {"type":"object","properties":{"title":{"type":"string"},
             "body":{"type":"string","contentMediaType":"text/markdown"}}}""";

    @Test
    void the_built_ins_derive_from_a_new_blob_and_sanitise_hostile_markdown() {
        var api = node(BuiltInProcessors.all());
        var owner = owner(api, ARTICLE);
        var data = Api.JSON.createObjectNode().put("title", "Gardening notes").put("body", "# Tomatoes\n\nTomatoes want *sun*. "
                + "<script>alert(1)</script> [click](javascript:alert(1)) <img src=x onerror=alert(1)> Tomatoes tomatoes garden.");
        String blob = write(api, owner, data.toString());


        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var derived = derived(api, owner, blob);
            return derived.has("markdown") && derived.has("stats") && derived.has("tags");
        });
        var derived = derived(api, owner, blob);
        String html = derived.at("/markdown/result/fields/~1body").asString();
        assertThat(html).contains("<h1>Tomatoes</h1>").contains("<em>sun</em>")
                .doesNotContain("<script").doesNotContain("javascript:").doesNotContain("onerror");
        assertThat(derived.at("/stats/result/words").asInt()).isGreaterThan(5);
        assertThat(derived.at("/tags/result/tags/0").asString()).isEqualTo("tomatoes");
        assertThat(derived.at("/stats/sourceVersion").asLong()).isEqualTo(1);
    }

    @Test
    void a_processor_the_owner_turned_off_derives_nothing_for_them_and_a_bad_config_is_refused() {
        var api = node(BuiltInProcessors.all());
        var owner = owner(api, ARTICLE);
        var refused = api.call("PUT", "/api/v1/processors/stats/settings", owner.token(), "application/json",
                "{\"enabled\":true,\"config\":{\"wordsPerMinute\":\"fast\"}}", Map.of());
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().at("/errors/0/pointer").asString()).startsWith("/config");
        var off = api.call("PUT", "/api/v1/processors/stats/settings", owner.token(), "application/json",
                "{\"enabled\":false}", Map.of());
        assertThat(off.status()).as(off.text()).isEqualTo(200);
        assertThat(api.get("/api/v1/processors/stats/settings", owner.token()).json().get("enabled").asBoolean()).isFalse();

        String blob = write(api, owner, "{\"title\":\"quiet\",\"body\":\"words words words\"}");
        await().atMost(Duration.ofSeconds(20)).until(() -> derived(api, owner, blob).has("tags"));
        assertThat(derived(api, owner, blob).has("stats")).isFalse();
    }

    @Test
    void an_image_attached_to_a_blob_gets_a_thumbnail() throws Exception {
        var api = node(BuiltInProcessors.all());
        var owner = owner(api, ARTICLE);
        String blob = write(api, owner, "{\"title\":\"with a picture\"}");
        var image = new java.awt.image.BufferedImage(800, 400, java.awt.image.BufferedImage.TYPE_INT_RGB);
        var png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", png);
        String attachmentId = uploadPng(owner, blob, "picture.png", png.toByteArray());

        await().atMost(Duration.ofSeconds(20)).until(() -> derived(api, owner, blob).has("thumbnail"));
        var thumbnail = derived(api, owner, blob).at("/thumbnail/result");
        assertThat(thumbnail.get("attachmentId").asString()).isEqualTo(attachmentId);
        assertThat(thumbnail.get("width").asInt()).isEqualTo(256);
        assertThat(thumbnail.get("height").asInt()).isEqualTo(128);
        var decoded = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
                java.util.Base64.getDecoder().decode(thumbnail.get("png").asString())));
        assertThat(decoded.getWidth()).isEqualTo(256);

        // An image deleted before its thumbnail is made is simply gone: no retries, no dead letter.
        String gone = uploadPng(owner, blob, "gone.png", png.toByteArray());
        assertThat(api.call("DELETE", "/api/v1/blobs/" + blob + "/attachments/" + gone, owner.token(), null, null, Map.of())
                .status()).isEqualTo(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> positionOf(api, "thumbnail") >= latestPosition());
        assertThat(deadLetters("thumbnail")).isZero();
    }

    /** Attaches a PNG to the blob; the attachment's id. */
    private String uploadPng(Owner owner, String blob, String filename, byte[] png) throws Exception {
        var upload = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + nodes.getFirst().port() + "/api/v1/blobs/" + blob
                                + "/attachments?filename=" + filename))
                .header("Authorization", "Bearer " + owner.token()).header("Content-Type", "image/png")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(png)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
        return Api.JSON.readTree(upload.body()).get("id").asString();
    }

    private static long positionOf(Api api, String processor) {
        return healthOf(api, processor).path("position").asLong(-1);
    }

    /** The processor's entry in /health/ready; missing when the node does not list it. */
    private static JsonNode healthOf(Api api, String processor) {
        for (var entry : api.get("/health/ready", null).json().at("/checks/processors/details")) {
            if (entry.get("processor").asString().equals(processor)) {
                return entry;
            }
        }
        return tools.jackson.databind.node.MissingNode.getInstance();
    }

    private long latestPosition() {
        return jdbi.withHandle(h -> h.createQuery("select coalesce(max(position), 0) from events").mapTo(Long.class).one());
    }

    @Test
    void processors_run_on_the_nodes_with_that_role_and_a_node_without_the_api_role_serves_only_operations() {
        var api = node(BuiltInProcessors.all(), "api,relay");
        var owner = owner(api, ARTICLE);
        String blob = write(api, owner, "{\"title\":\"waiting\",\"body\":\"for a worker\"}");
        var worker = node(BuiltInProcessors.all(), "processors");

        assertThat(worker.get("/api/v1/me", owner.token()).status()).isEqualTo(404);
        assertThat(worker.get("/health/ready", null).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> derived(api, owner, blob).has("stats"));
    }

    /** Fails its first {@code failures} invocations of each blob, then derives. */
    private static final class Flaky implements Processor {
        final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        private final String name;
        private final int failures;
        private final long sleepMillis;

        Flaky(String name, int failures, long sleepMillis) {
            this.name = name;
            this.failures = failures;
            this.sleepMillis = sleepMillis;
        }

        @Override public String name() { return name; }
        @Override public String description() { return "a test processor"; }
        @Override public List<String> subjects() { return List.of("blob.created.>", "blob.updated.>"); }
        @Override public JsonNode settingsSchema() { return Api.JSON.readTree("{\"type\":\"object\"}"); }
        @Override public JsonNode defaultSettings() { return JsonNodeFactory.instance.objectNode(); }

        @Override
        public JsonNode derive(ProcessorInput input, JsonNode settings) throws java.io.IOException {
            int call = calls.computeIfAbsent(input.data().get("title").asString(), k -> new AtomicInteger()).incrementAndGet();
            if (sleepMillis > 0) {
                try {
                    Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("stopped");
                }
            }
            if (call <= failures) {
                throw new java.io.IOException("failure " + call);
            }
            return JsonNodeFactory.instance.objectNode().put("call", call);
        }
    }

    @Test
    void a_failing_processor_is_retried_a_broken_one_dead_lettered_and_a_hanging_one_timed_out_while_others_keep_pace() {
        var twice = new Flaky("twice", 2, 0);
        var always = new Flaky("always", Integer.MAX_VALUE, 0);
        var hangs = new Flaky("hangs", 0, 60_000);
        var quick = new Flaky("quick", 0, 0);
        var api = node(List.of(twice, always, hangs, quick));
        var owner = owner(api, "{\"type\":\"object\"}");

        String blob = write(api, owner, "{\"title\":\"one\"}");

        await().atMost(Duration.ofSeconds(5)).until(() -> derived(api, owner, blob).has("quick"));
        await().atMost(Duration.ofSeconds(10)).until(() -> derived(api, owner, blob).has("twice"));
        var derived = derived(api, owner, blob);
        assertThat(derived.at("/twice/result/call").asInt()).isEqualTo(3);
        assertThat(twice.calls.get("one").get()).isEqualTo(3);
        await().atMost(Duration.ofSeconds(10)).until(() -> deadLetters("always") == 1 && deadLetters("hangs") == 1);
        assertThat(always.calls.get("one").get()).isEqualTo(3);
        assertThat(derived(api, owner, blob).has("always")).isFalse();
        assertThat(derived(api, owner, blob).has("hangs")).isFalse();
        var letters = api.get("/api/v1/processors/always/dead-letters", owner.token()).json().get("items");
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).get("blobId").asString()).isEqualTo(blob);
        assertThat(letters.get(0).get("attempts").asInt()).isEqualTo(3);
        assertThat(letters.get(0).get("error").asString()).contains("failure 3");
        String stranger = api.register("stranger").get("accessToken").asString();
        assertThat(api.get("/api/v1/processors/always/dead-letters", stranger).json().get("items")).isEmpty();
        var health = api.get("/health/ready", null).json().at("/checks/processors/details");
        assertThat(health.findValuesAsString("processor")).containsExactlyInAnyOrder("twice", "always", "hangs", "quick");
        for (var processor : health) {
            if (processor.get("processor").asString().equals("always")) {
                assertThat(processor.get("deadLetters").asLong()).isEqualTo(1);
                assertThat(processor.get("working").asBoolean()).isTrue();
            }
        }
        String metrics = api.get("/metrics", null).text();
        assertThat(metrics).containsPattern("reyna_processor_dead_letters_total\\{processor=\"always\"} 1");
        assertThat(metrics).containsPattern("reyna_processor_failures_total\\{processor=\"hangs\"} 3");
    }

    @Test
    void five_dead_letters_in_a_row_open_the_processors_circuit_and_others_go_on() {
        var broken = new Flaky("broken", Integer.MAX_VALUE, 0);
        var quick = new Flaky("quick", 0, 0);
        var api = node(List.of(broken, quick));
        var owner = owner(api, "{\"type\":\"object\"}");
        var ids = new ArrayList<String>();
        for (int i = 0; i < 7; i++) {
            ids.add(write(api, owner, "{\"title\":\"c" + i + "\"}"));
        }

        await().atMost(Duration.ofSeconds(15)).until(() -> deadLetters("broken") == 5);
        await().atMost(Duration.ofSeconds(5)).until(() -> circuitOf(api, "broken").equals("open"));
        // Open, it stops: the sixth event waits (30 s) instead of failing too.
        assertThat(deadLetters("broken")).isEqualTo(5);
        assertThat(broken.calls).doesNotContainKey("c6");
        assertThat(api.get("/metrics", null).text()).contains("reyna_processor_circuit_open{processor=\"broken\"} 1");
        await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream().allMatch(id -> derived(api, owner, id).has("quick")));
        assertThat(circuitOf(api, "quick")).isEqualTo("closed");
    }

    private static String circuitOf(Api api, String processor) {
        return healthOf(api, processor).path("circuit").asString("absent");
    }

    private long deadLetters(String processor) {
        return jdbi.withHandle(h -> h.createQuery(
                "select count(*) from processor_dead_letters where processor = :p").bind("p", processor).mapTo(Long.class).one());
    }

    @Test
    void when_the_working_node_stops_another_takes_over_and_nothing_is_skipped() {
        var first = new Flaky("counted", 0, 50);
        var second = new Flaky("counted", 0, 0);
        var a = node(List.of(first));
        var owner = owner(a, "{\"type\":\"object\"}");
        var ids = new ArrayList<String>();
        for (int i = 0; i < 40; i++) {
            ids.add(write(a, owner, "{\"title\":\"n" + i + "\"}"));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> !first.calls.isEmpty());
        var b = node(List.of(second));
        nodes.remove(0).close(); // the working node stops halfway

        await().atMost(Duration.ofSeconds(30)).until(() -> ids.stream().allMatch(id -> derived(b, owner, id).has("counted")));
        for (int i = 0; i < 40; i++) {
            String title = "n" + i;
            int calls = first.calls.getOrDefault(title, new AtomicInteger()).get() + second.calls.getOrDefault(title, new AtomicInteger()).get();
            assertThat(calls).as("invocations for %s", title).isBetween(1, 2);
        }
        assertThat(second.calls).isNotEmpty();
    }

    @Test
    void on_nats_the_nodes_share_one_processors_work_and_what_a_cut_off_node_held_goes_to_another() throws Exception {
        String run = UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String stream = "proc-test-" + run;
        var nats = Map.of("REYNA_NATS_URL", "nats://127.0.0.1:4222", "REYNA_NATS_STREAM", stream, "REYNA_NATS_PREFIX", "proc" + run);
        var first = new Flaky("counted", 0, 50);
        var second = new Flaky("counted", 0, 50);
        var third = new Flaky("counted", 0, 0);
        try (var natsProxy = new TcpProxy(4222); var postgresProxy = new TcpProxy(5432)) {
            var api = node(List.of(), "api,relay", nats);
            // The first worker node reaches NATS and PostgreSQL through proxies, to be cut off from both later.
            var cutOff = new HashMap<>(nats);
            cutOff.put("REYNA_NATS_URL", "nats://127.0.0.1:" + natsProxy.port());
            cutOff.put("REYNA_DB_URL", database.replace(":5432/", ":" + postgresProxy.port() + "/"));
            node(List.of(first), "processors", cutOff);
            node(List.of(second), "processors", nats);
            var owner = owner(api, "{\"type\":\"object\"}");

            // Two worker nodes share one processor's events.
            var shared = writeMany(api, owner, "a", 40);
            await().atMost(Duration.ofSeconds(30)).until(() -> shared.stream().allMatch(id -> derived(api, owner, id).has("counted")));
            assertThat(first.calls).isNotEmpty();
            assertThat(second.calls).isNotEmpty();
            assertThat(first.calls.keySet()).noneMatch(second.calls::containsKey); // none done twice

            // Then only the first works; mid-batch it hangs as a dead host would: it can neither store
            // results nor acknowledge. After the queue's redelivery time (5 s here) another node gets its events.
            nodes.remove(2).close();
            var held = writeMany(api, owner, "b", 30);
            await().atMost(Duration.ofSeconds(20)).until(() -> first.calls.keySet().stream().filter(t -> t.startsWith("b")).count() >= 3);
            natsProxy.freeze();
            postgresProxy.freeze();
            node(List.of(third), "processors", nats);

            await().atMost(Duration.ofSeconds(40)).until(() -> held.stream().allMatch(id -> derived(api, owner, id).has("counted")));
            for (int i = 0; i < 30; i++) {
                String title = "b" + i;
                int calls = first.calls.getOrDefault(title, new AtomicInteger()).get() + third.calls.getOrDefault(title, new AtomicInteger()).get();
                assertThat(calls).as("invocations for %s", title).isBetween(1, 2);
            }
            // What the first held unfinished when it was cut off was done again by the other node.
            assertThat(first.calls.keySet().stream().filter(t -> t.startsWith("b"))).anyMatch(third.calls::containsKey);
            natsProxy.stop();
            postgresProxy.stop();
        } finally {
            nodes.forEach(Studio::close);
            nodes.clear();
            try (var admin = io.nats.client.Nats.connect("nats://127.0.0.1:4222")) {
                admin.jetStreamManagement().deleteStream(stream);
            }
        }
    }

    private static List<String> writeMany(Api api, Owner owner, String prefix, int count) {
        var ids = new ArrayList<String>();
        for (int i = 0; i < count; i++) {
            ids.add(write(api, owner, "{\"title\":\"" + prefix + i + "\"}"));
        }
        return ids;
    }
}
