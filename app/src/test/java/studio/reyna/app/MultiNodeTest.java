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
import studio.reyna.events.bus.NatsServerProcess;
import tools.jackson.databind.JsonNode;

/**
 * Several studio nodes on one PostgreSQL and one NATS JetStream, as in production: any node
 * serves any request and any socket, and one relay leads at a time.
 */
class MultiNodeTest {
    @TempDir
    Path temp;

    private final List<Studio> nodes = new ArrayList<>();
    private final String database = TestDatabase.createEmpty();
    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8);

    @AfterEach
    void stop() throws Exception {
        nodes.forEach(Studio::close);
        // Streams of the shared NATS would otherwise pile up run after run.
        try (var nats = io.nats.client.Nats.connect("nats://127.0.0.1:4222")) {
            var streams = nats.jetStreamManagement();
            if (streams.getStreamNames().contains("REYNA_" + prefix)) {
                streams.deleteStream("REYNA_" + prefix);
            }
        }
    }

    private Studio node(String natsUrl) {
        var env = new HashMap<>(Map.of("REYNA_DB_URL", database, "REYNA_DB_POOL_SIZE", "4", "REYNA_NATS_URL", natsUrl,
                "REYNA_NATS_PREFIX", prefix, "REYNA_NATS_STREAM", "REYNA_" + prefix,
                // The sockets here count blob events; processors would add blob.derived ones.
                "REYNA_ROLES", "api,relay"));
        var studio = Studio.start(StudioConfig.read(env, 0, temp.resolve("unused")));
        nodes.add(studio);
        return studio;
    }

    private record Owner(String token, String schema, String bucket) {
    }

    private static Owner owner(Api api) {
        String token = api.register("multi").get("accessToken").asString();
        String schema = "multi-" + UUID.randomUUID().toString().substring(0, 8);
        api.post("/api/v1/schemas", token, Api.JSON.readTree("{\"id\":\"" + schema + "\",\"name\":\"M\",\"schema\":{}}"));
        String bucket = api.post("/api/v1/buckets", token, Map.of("name", "Shared")).json().get("id").asString();
        return new Owner(token, schema, bucket);
    }

    private static String write(Api api, Owner owner, String title) {
        var response = api.post("/api/v1/buckets/" + owner.bucket() + "/blobs", owner.token(), Api.JSON.readTree(
                "{\"schemaId\":\"" + owner.schema() + "\",\"data\":{\"title\":\"" + title + "\"}}"));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    /** The blob ids of the next {@code count} blob events; events of the setup (schema, bucket) may come first. */
    private static List<String> receive(WsClient socket, int count) {
        var ids = new ArrayList<String>();
        for (int seen = 0; ids.size() < count && seen < count + 10; seen++) {
            JsonNode event = socket.expect("event");
            if (event.at("/event/type").asString().startsWith("blob.")) {
                ids.add(event.at("/event/blobId").asString());
            }
        }
        return ids;
    }

    @Test
    void a_change_written_through_one_node_reaches_a_socket_on_another_and_the_relay_fails_over() {
        var a = node("nats://127.0.0.1:4222");
        var b = node("nats://127.0.0.1:4222");
        var apiA = new Api(a.port());
        var apiB = new Api(b.port());
        var owner = owner(apiA);

        await().atMost(Duration.ofSeconds(10)).until(() -> a.relay().isLeader() || b.relay().isLeader());
        var leader = a.relay().isLeader() ? a : b;
        var follower = leader == a ? b : a;
        var followerApi = follower == a ? apiA : apiB;
        var leaderApi = leader == a ? apiA : apiB;

        try (var socket = WsClient.signedIn(follower.port(), owner.token())) {
            socket.send(Api.JSON.createObjectNode().put("type", "subscribe").put("id", "s").put("bucketId", owner.bucket()));
            socket.expect("subscribed");
            String throughLeader = write(leaderApi, owner, "through the leader");
            assertThat(receive(socket, 1)).containsExactly(throughLeader);

            leader.close();
            nodes.remove(leader);
            var written = new ArrayList<String>();
            for (int i = 0; i < 5; i++) {
                written.add(write(followerApi, owner, "after failover " + i));
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> follower.relay().isLeader());
            assertThat(receive(socket, 5)).isEqualTo(written);
            assertThat(socket.next(Duration.ofMillis(500))).as("nothing twice").isNull();
        }
    }

    @Test
    void a_share_revoked_through_one_node_stops_delivery_to_a_socket_on_another() {
        var a = node("nats://127.0.0.1:4222");
        var b = node("nats://127.0.0.1:4222");
        var apiA = new Api(a.port());
        var apiB = new Api(b.port());
        var owner = owner(apiA);
        var sharee = apiB.register("sharee");
        var shared = apiA.post("/api/v1/buckets/" + owner.bucket() + "/shares", owner.token(),
                Map.of("email", sharee.at("/user/email").asString(), "access", "read"));
        assertThat(shared.status()).as(shared.text()).isEqualTo(201);

        try (var socket = WsClient.signedIn(b.port(), sharee.get("accessToken").asString())) {
            socket.send(Api.JSON.createObjectNode().put("type", "subscribe").put("id", "s").put("bucketId", owner.bucket()));
            socket.expect("subscribed");
            String before = write(apiA, owner, "before the revoke");
            assertThat(receive(socket, 1)).containsExactly(before);
            String shareeToken = sharee.get("accessToken").asString();
            // Read through the sharee's node, so that node remembers the decision.
            assertThat(apiB.get("/api/v1/blobs/" + before, shareeToken).status()).isEqualTo(200);

            var revoked = apiA.call("DELETE", "/api/v1/buckets/" + owner.bucket() + "/shares/" + sharee.at("/user/id").asString(),
                    owner.token(), null, null, Map.of());
            assertThat(revoked.status()).isEqualTo(204);
            assertThat(socket.expect("event").at("/event/type").asString()).isEqualTo("share.revoked");
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> apiB.get("/api/v1/blobs/" + before, shareeToken).status() == 404);
            write(apiA, owner, "after the revoke");
            write(apiB, owner, "after the revoke, through the sharee's node");
            assertThat(socket.next(Duration.ofSeconds(1))).as("nothing after the revoke, within a second or later").isNull();
        }
    }

    @Test
    void writes_go_on_while_nats_is_down_and_every_event_arrives_once_when_it_returns() throws Exception {
        try (var nats = NatsServerProcess.start(java.nio.file.Files.createDirectories(temp.resolve("nats")))) {
            var a = node(nats.url());
            var b = node(nats.url());
            var apiA = new Api(a.port());
            var owner = owner(apiA);
            try (var socket = WsClient.signedIn(b.port(), owner.token())) {
                socket.send(Api.JSON.createObjectNode().put("type", "subscribe").put("id", "s"));
                socket.expect("subscribed");
                String before = write(apiA, owner, "before");
                assertThat(receive(socket, 1)).containsExactly(before);

                assertThat(apiA.get("/health/ready", null).json().at("/checks/nats/status").asString()).isEqualTo("up");
                nats.stop();
                var written = new ArrayList<String>();
                for (int i = 0; i < 5; i++) {
                    written.add(write(apiA, owner, "while down " + i));
                }
                var health = apiA.get("/health/ready", null);
                assertThat(health.status()).as("ready: writes go on without NATS").isEqualTo(200);
                assertThat(health.json().at("/checks/nats/status").asString()).isEqualTo("down");
                nats.start();
                assertThat(receive(socket, 5)).isEqualTo(written);
                assertThat(socket.next(Duration.ofSeconds(1))).as("nothing twice").isNull();
            }
        }
    }
}
