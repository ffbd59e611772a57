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
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * Sockets whose peers stop reading or answering: they are dropped, and they slow nobody else.
 * Each test runs a studio of its own with the limits shortened or shrunk.
 */
class SocketHealthTest {
    @TempDir
    Path temp;

    private Studio studio;
    private Api api;

    @AfterEach
    void stop() {
        if (studio != null) {
            studio.close();
        }
    }

    private void start(Map<String, String> settings) {
        var env = new HashMap<>(settings);
        // A database of its own: on a shared one another studio's relay might lead and publish
        // the events to its own in-process bus, not this studio's.
        env.put("REYNA_DB_URL", TestDatabase.createEmpty());
        env.put("REYNA_DB_POOL_SIZE", "4");
        // These tests write bursts of blobs to flood sockets, far past a person's pace.
        env.put("REYNA_RATE_BLOB_CREATES_PER_MINUTE", "100000");
        env.put("REYNA_RATE_API_PER_MINUTE", "100000");
        // The sockets here count blob events; processors would add blob.derived ones.
        env.put("REYNA_ROLES", "api,relay");
        studio = Studio.start(StudioConfig.read(env, 0, temp.resolve("unused")));
        api = new Api(studio.port());
    }

    private double metric(String series) {
        var line = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE)
                .matcher(api.get("/metrics", null).text());
        return line.find() ? Double.parseDouble(line.group(1)) : 0;
    }

    private static tools.jackson.databind.node.ObjectNode message(String type) {
        return Api.JSON.createObjectNode().put("type", type);
    }

    @Test
    void a_peer_that_stops_answering_is_dropped_after_three_pings_while_an_idle_one_that_answers_stays() {
        start(Map.of("REYNA_WS_PING_SECONDS", "1"));
        String token = api.register("silent").get("accessToken").asString();
        try (var answering = WsClient.signedIn(studio.port(), token); var silent = new StalledPeer(studio.port(), 64 * 1024)) {
            silent.send(message("auth").put("token", token));
            silent.expect("ready");
            long start = System.nanoTime();

            await().atMost(Duration.ofSeconds(15)).until(() -> metric("reyna_websocket_dropped_total{reason=\"silent\"}") == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(2_500));
            // The connection was cut: what it still holds is unanswered pings, then the end.
            var frames = new ArrayList<Integer>();
            for (var frame = silent.read(); frame != null; frame = silent.read()) {
                frames.add(frame.opcode());
            }
            assertThat(frames).isNotEmpty().containsOnly(StalledPeer.Frame.PING);

            // The idle socket that answered the same pings is still there.
            answering.send(message("ping"));
            answering.expect("pong");
            assertThat(metric("reyna_websocket_connections")).isEqualTo(1);
        }
    }

    @Test
    void a_socket_that_does_not_read_is_closed_with_4008_and_the_others_get_every_event_in_order() {
        start(Map.of("REYNA_WS_OUTBOX", "20"));
        String token = api.register("slow").get("accessToken").asString();
        String schema = "slow-" + UUID.randomUUID().toString().substring(0, 8);
        api.post("/api/v1/schemas", token, Api.JSON.readTree("{\"id\":\"" + schema + "\",\"name\":\"S\",\"schema\":{}}"));
        String bucket = api.post("/api/v1/buckets", token, Map.of("name", "Slow")).json().get("id").asString();

        try (var reading = WsClient.signedIn(studio.port(), token); var stalled = new StalledPeer(studio.port(), 4096)) {
            reading.send(message("subscribe").put("id", "s").put("bucketId", bucket));
            reading.expect("subscribed");
            stalled.send(message("auth").put("token", token));
            stalled.expect("ready");
            stalled.send(message("subscribe").put("id", "s").put("bucketId", bucket));
            stalled.expect("subscribed");

            // Large events (long titles and previews) fill the stalled peer's buffers sooner.
            String filler = "\uD83D\uDE00".repeat(150);
            int written = 0;
            while (metric("reyna_websocket_dropped_total{reason=\"too_slow\"}") == 0 && written < 10_000) {
                for (int i = 0; i < 50; i++, written++) {
                    var body = Api.JSON.createObjectNode().put("schemaId", schema);
                    body.putObject("data").put("a", "n" + written + " " + filler).put("b", filler);
                    assertThat(api.post("/api/v1/buckets/" + bucket + "/blobs", token, body).status()).isEqualTo(201);
                }
            }
            assertThat(metric("reyna_websocket_dropped_total{reason=\"too_slow\"}")).isEqualTo(1);

            // The socket that reads got every event, in order.
            for (int i = 0; i < written; i++) {
                assertThat(reading.expect("event").at("/event/data/title").asString()).startsWith("n" + i + " ");
            }
            // The stalled one, reading at last, finds a gap-free beginning of them, then its close.
            var titles = new ArrayList<String>();
            StalledPeer.Frame frame = stalled.read();
            for (; frame != null && frame.opcode() != StalledPeer.Frame.CLOSE; frame = stalled.read()) {
                if (frame.opcode() == StalledPeer.Frame.TEXT) {
                    titles.add(frame.json().at("/event/data/title").asString());
                }
            }
            assertThat(frame).as("a close frame").isNotNull();
            assertThat(frame.closeCode()).isEqualTo(4008);
            assertThat(titles).hasSizeLessThan(written);
            for (int i = 0; i < titles.size(); i++) {
                assertThat(titles.get(i)).startsWith("n" + i + " ");
            }
        }
    }

    @Test
    void past_its_maximum_a_node_refuses_upgrades_with_503_until_a_socket_closes() {
        start(Map.of("REYNA_WS_MAX_SOCKETS", "1"));
        String token = api.register("full").get("accessToken").asString();
        try (var first = WsClient.signedIn(studio.port(), token)) {
            String refused = StalledPeer.refusal(studio.port());
            assertThat(refused).startsWith("HTTP/1.1 503 ").containsIgnoringCase("content-type: application/problem+json")
                    .containsIgnoringCase("retry-after: 10")
                    .contains("\"status\":503", "as many WebSockets as it may (1)");
            assertThat(metric("reyna_websocket_refused_total")).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> metric("reyna_websocket_connections") == 0);
        try (var next = WsClient.signedIn(studio.port(), token)) {
            next.send(message("ping"));
            next.expect("pong");
        }

        var plain = api.get("/api/v1/ws", null);
        assertThat(plain.status()).isEqualTo(426);
        assertThat(plain.header("Upgrade")).isEqualTo("websocket");
        assertThat(plain.json().get("type").asString()).isEqualTo("urn:reyna:problem:upgrade-required");
    }

    @Test
    void one_user_holds_at_most_the_sockets_allowed_per_user_and_others_are_not_affected() {
        start(Map.of("REYNA_WS_MAX_PER_USER", "2"));
        String ann = api.register("many").get("accessToken").asString();
        String bob = api.register("other").get("accessToken").asString();
        try (var first = WsClient.signedIn(studio.port(), ann); var second = WsClient.signedIn(studio.port(), ann);
             var third = new WsClient(studio.port())) {
            third.send(message("auth").put("token", ann));
            assertThat(third.closeCode(Duration.ofSeconds(5))).isEqualTo(4029);
            try (var bobs = WsClient.signedIn(studio.port(), bob)) {
                bobs.send(message("ping"));
                bobs.expect("pong");
            }
            first.send(message("ping"));
            first.expect("pong");
        }
    }
}
