package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;
import studio.reyna.gateway.auth.AccessTokens;
import tools.jackson.databind.JsonNode;

/** The real-time protocol over a real WebSocket, on one studio with the in-process bus. */
class RealtimeTest {
    private final Api api = TestStudio.api();
    private final int port = TestStudio.port();
    private final JsonNode ann = api.register("ann-live");
    private final String token = ann.get("accessToken").asString();
    private final String schema = createSchema();
    private final String bucket = createBucket("Live " + UUID.randomUUID(), null);

    private String createSchema() {
        String id = "live-" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(api.post("/api/v1/schemas", token, Api.JSON.readTree("{\"id\":\"" + id
                + "\",\"name\":\"Live\",\"schema\":{\"type\":\"object\"}}")).status()).isEqualTo(201);
        return id;
    }

    private String createBucket(String name, String parentId) {
        var body = parentId == null ? Map.of("name", name) : Map.of("name", name, "parentId", parentId);
        return api.post("/api/v1/buckets", token, body).json().get("id").asString();
    }

    private String createBlob(String bucketId, String title) {
        var response = api.post("/api/v1/buckets/" + bucketId + "/blobs", token, Api.JSON.readTree(
                "{\"schemaId\":\"" + schema + "\",\"data\":{\"title\":\"" + title + "\"}}"));
        assertThat(response.status()).isEqualTo(201);
        return response.json().get("id").asString();
    }

    private static tools.jackson.databind.node.ObjectNode message(String type) {
        return Api.JSON.createObjectNode().put("type", type);
    }

    /** The next event about {@code blobId}, skipping events of other objects that arrive first. */
    private static JsonNode eventOf(WsClient socket, String blobId) {
        for (int i = 0; i < 20; i++) {
            var event = socket.expect("event");
            if (blobId.equals(event.at("/event/blobId").asString(null))) {
                return event;
            }
        }
        throw new AssertionError("no event about " + blobId);
    }

    @Test
    void a_change_reaches_an_open_socket_with_its_cursor() {
        try (var socket = WsClient.signedIn(port, token)) {
            socket.send(message("subscribe").put("id", "all"));
            var subscribed = socket.expect("subscribed");
            assertThat(subscribed.get("id").asString()).isEqualTo("all");
            String blob = createBlob(bucket, "Hello");
            var event = eventOf(socket, blob);
            assertThat(event.get("sub").asString()).isEqualTo("all");
            assertThat(event.get("cursor").asLong()).isGreaterThan(subscribed.get("cursor").asLong());
            assertThat(event.at("/event/type").asString()).isEqualTo("blob.created");
            assertThat(event.at("/event/blobId").asString()).isEqualTo(blob);
            assertThat(event.at("/event/subject").asString()).isEqualTo("blob.created." + schema + "." + ann.at("/user/id").asString());
            assertThat(event.at("/event/cursor").asLong()).isEqualTo(event.get("cursor").asLong());

            var metrics = api.get("/metrics", null);
            assertThat(metrics.status()).isEqualTo(200);
            assertThat(metrics.text())
                    .containsPattern("(?m)^reyna_websocket_connections [1-9]")
                    .containsPattern("(?m)^reyna_event_delivery_seconds_count [1-9]")
                    .containsPattern("(?m)^reyna_events_published_total [1-9]")
                    .containsPattern("(?m)^reyna_relay_leader 1")
                    .contains("reyna_relay_lag_seconds");
        }
    }

    @Test
    void a_socket_that_comes_back_gets_exactly_what_it_missed_in_order_then_live_events() {
        long cursor;
        try (var socket = WsClient.signedIn(port, token)) {
            socket.send(message("subscribe").put("id", "s").put("bucketId", bucket));
            socket.expect("subscribed");
            String seen = createBlob(bucket, "seen");
            // Earlier events of this test's setup (the bucket's creation) may still be on their way.
            cursor = eventOf(socket, seen).get("cursor").asLong();
        }
        var missed = new ArrayList<String>();
        for (int i = 0; i < 5; i++) {
            missed.add(createBlob(bucket, "missed " + i));
        }
        try (var socket = WsClient.signedIn(port, token)) {
            socket.send(message("subscribe").put("id", "s").put("bucketId", bucket).put("since", cursor));
            assertThat(socket.expect("subscribed").get("cursor").asLong()).isEqualTo(cursor);
            var replayed = new ArrayList<String>();
            long last = cursor;
            for (int i = 0; i < 5; i++) {
                var event = socket.expect("event");
                assertThat(event.get("cursor").asLong()).isGreaterThan(last);
                last = event.get("cursor").asLong();
                replayed.add(event.at("/event/blobId").asString());
            }
            assertThat(replayed).isEqualTo(missed);
            String live = createBlob(bucket, "live");
            assertThat(socket.expect("event").at("/event/blobId").asString()).isEqualTo(live);
            assertThat(socket.next(Duration.ofMillis(300))).as("nothing twice").isNull();
        }
    }

    @Test
    void a_bucket_filter_covers_its_subtree_and_nothing_else() {
        String child = createBucket("Child", bucket);
        String other = createBucket("Other " + UUID.randomUUID(), null);
        try (var socket = WsClient.signedIn(port, token)) {
            socket.send(message("subscribe").put("id", "tree").put("bucketId", bucket));
            socket.expect("subscribed");
            createBlob(other, "elsewhere");
            String inside = createBlob(child, "inside");
            var event = socket.expect("event");
            while (event.at("/event/type").asString().startsWith("bucket.")) {
                // The buckets' own creation may arrive first; the first blob event must be the one inside.
                assertThat(event.at("/event/bucketId").asString()).isIn(bucket, child);
                event = socket.expect("event");
            }
            assertThat(event.at("/event/blobId").asString()).isEqualTo(inside);
        }
    }

    @Test
    void another_users_bucket_answers_like_one_that_does_not_exist_and_sends_nothing() {
        var bob = api.register("bob-live").get("accessToken").asString();
        try (var socket = WsClient.signedIn(port, bob)) {
            socket.send(message("subscribe").put("id", "theirs").put("bucketId", bucket));
            var theirs = socket.expect("error");
            socket.send(message("subscribe").put("id", "none").put("bucketId", UUID.randomUUID().toString()));
            var none = socket.expect("error");
            assertThat(theirs.get("code").asString()).isEqualTo("not_found").isEqualTo(none.get("code").asString());
            socket.send(message("subscribe").put("id", "mine"));
            socket.expect("subscribed");
            createBlob(bucket, "private");
            assertThat(socket.next(Duration.ofMillis(500))).as("Ann's change reaches Bob").isNull();
        }
    }

    /** Shares Ann's bucket with a new user; returns that user's session. */
    private JsonNode shareWithNewUser(String bucketId, String access) {
        var sharee = api.register("sharee-live");
        var response = api.post("/api/v1/buckets/" + bucketId + "/shares", token,
                Map.of("email", sharee.at("/user/email").asString(), "access", access));
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        return sharee;
    }

    @Test
    void a_sharee_hears_changes_in_the_shared_subtree_until_the_share_is_revoked() {
        String shared = createBucket("Shared " + UUID.randomUUID(), null);
        String inside = createBucket("Inside", shared);
        var bob = shareWithNewUser(shared, "read");
        String bobToken = bob.get("accessToken").asString();
        String bobId = bob.at("/user/id").asString();
        try (var socket = WsClient.signedIn(port, bobToken)) {
            socket.send(message("subscribe").put("id", "all"));
            socket.expect("subscribed");
            createBlob(bucket, "not shared");
            String seen = createBlob(inside, "shared");
            var event = socket.expect("event");
            assertThat(event.at("/event/blobId").asString()).isEqualTo(seen);
            assertThat(event.at("/event/audience").isMissingNode()).as("who else sees it stays private").isTrue();

            assertThat(api.call("DELETE", "/api/v1/buckets/" + shared + "/shares/" + bobId, token, null, null, Map.of())
                    .status()).isEqualTo(204);
            assertThat(socket.expect("event").at("/event/type").asString()).isEqualTo("share.revoked");
            String after = createBlob(inside, "after the revoke");
            assertThat(socket.next(Duration.ofMillis(700))).as("nothing after the revoke").isNull();
            assertThat(api.get("/api/v1/blobs/" + after, bobToken).status()).isEqualTo(404);
            assertThat(api.get("/api/v1/blobs/" + seen, bobToken).status()).isEqualTo(404);
        }
    }

    @Test
    void moved_out_of_a_shared_bucket_a_bucket_is_gone_for_the_sharee_and_resume_replays_what_was_shared() {
        String shared = createBucket("Shared " + UUID.randomUUID(), null);
        String inside = createBucket("Inside", shared);
        var bob = shareWithNewUser(shared, "write");
        String bobToken = bob.get("accessToken").asString();
        long cursor;
        try (var socket = WsClient.signedIn(port, bobToken)) {
            socket.send(message("subscribe").put("id", "s").put("bucketId", shared));
            cursor = socket.expect("subscribed").get("cursor").asLong();
        }
        String before = createBlob(inside, "before the move");
        var moved = api.call("PATCH", "/api/v1/buckets/" + inside, token, "application/json",
                "{\"parentId\":\"" + bucket + "\"}", Map.of());
        assertThat(moved.status()).as(moved.text()).isEqualTo(200);
        String after = createBlob(inside, "after the move");
        try (var socket = WsClient.signedIn(port, bobToken)) {
            socket.send(message("subscribe").put("id", "s").put("since", cursor));
            socket.expect("subscribed");
            assertThat(socket.expect("event").at("/event/blobId").asString()).isEqualTo(before);
            assertThat(socket.next(Duration.ofMillis(700))).as("neither the move nor what came after").isNull();
        }
        assertThat(api.get("/api/v1/buckets/" + inside, bobToken).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/blobs/" + after, bobToken).status()).isEqualTo(404);
    }

    @Test
    void a_blob_moved_out_of_a_shared_bucket_is_gone_for_the_sharee_with_no_event_about_it() {
        String shared = createBucket("Shared " + UUID.randomUUID(), null);
        var bob = shareWithNewUser(shared, "read");
        String bobToken = bob.get("accessToken").asString();
        String blob = createBlob(shared, "leaving");
        try (var socket = WsClient.signedIn(port, bobToken)) {
            socket.send(message("subscribe").put("id", "all"));
            socket.expect("subscribed");
            assertThat(api.get("/api/v1/blobs/" + blob, bobToken).status()).isEqualTo(200);
            var moved = api.call("PATCH", "/api/v1/blobs/" + blob, token, "application/json",
                    "{\"bucketId\":\"" + bucket + "\"}", Map.of());
            assertThat(moved.status()).as(moved.text()).isEqualTo(200);
            assertThat(api.call("PUT", "/api/v1/blobs/" + blob, token, "application/json",
                    "{\"data\":{\"title\":\"elsewhere\"}}", Map.of("If-Match", "*")).status()).isEqualTo(200);
            assertThat(socket.next(Duration.ofMillis(700))).as("neither the move nor the change after it").isNull();
            assertThat(api.get("/api/v1/blobs/" + blob, bobToken).status()).isEqualTo(404);
        }
    }

    @Test
    void an_unsubscribe_sent_right_after_its_subscribe_ends_it() {
        try (var socket = WsClient.signedIn(port, token)) {
            socket.send(message("subscribe").put("id", "brief").put("bucketId", bucket));
            socket.send(message("unsubscribe").put("id", "brief"));
            var seen = new ArrayList<String>();
            for (var m = socket.next(Duration.ofSeconds(2)); m != null && !m.path("type").asString().equals("unsubscribed");
                 m = socket.next(Duration.ofSeconds(2))) {
                seen.add(m.path("type").asString());
            }
            assertThat(seen).doesNotContain("event");
            createBlob(bucket, "after the unsubscribe");
            assertThat(socket.next(Duration.ofMillis(700))).as("nothing for an ended subscription").isNull();
        }
    }

    @Test
    void a_socket_that_does_not_authenticate_in_time_is_closed() {
        try (var socket = new WsClient(port)) {
            assertThat(socket.closeCode(Duration.ofSeconds(10))).isEqualTo(4002);
        }
    }

    @Test
    void bad_tokens_and_other_first_messages_close_the_socket_with_4001() {
        try (var socket = new WsClient(port)) {
            socket.send(message("auth").put("token", "not-a-token"));
            assertThat(socket.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
        }
        try (var socket = new WsClient(port)) {
            socket.send(message("subscribe").put("id", "x"));
            assertThat(socket.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
        }
        var expired = AccessTokens.load(TestDatabase.shared().jdbi(), null,
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-20)), Duration.ofMinutes(15));
        try (var socket = new WsClient(port)) {
            socket.send(message("auth").put("token", expired.issue(UUID.fromString(ann.at("/user/id").asString()))));
            assertThat(socket.closeCode(Duration.ofSeconds(5))).isEqualTo(4001);
        }
    }

    @Test
    void a_token_about_to_expire_is_announced_then_the_socket_is_closed_at_expiry_unless_refreshed() {
        UUID user = UUID.fromString(ann.at("/user/id").asString());
        var jdbi = TestDatabase.shared().jdbi();
        var soon = AccessTokens.load(jdbi, null, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(-(15 * 60 - 3))),
                Duration.ofMinutes(15));
        try (var socket = WsClient.signedIn(port, soon.issue(user))) {
            var warning = socket.expect("auth_expiring");
            assertThat(warning.get("in").asLong()).isBetween(0L, 3L);
            assertThat(socket.closeCode(Duration.ofSeconds(10))).isEqualTo(4001);
        }
        try (var socket = WsClient.signedIn(port, soon.issue(user))) {
            socket.expect("auth_expiring");
            socket.send(message("auth").put("token", token));
            assertThat(socket.expect("ready").get("userId").asString()).isEqualTo(user.toString());
            assertThat(socket.closeCode(Duration.ofSeconds(5))).as("refreshed in-band").isNull();
        }
    }

    @Test
    void too_many_messages_are_refused_then_the_socket_is_closed() {
        try (var socket = WsClient.signedIn(port, token)) {
            // Twice the limit of 10 a second, plus the one that closes the socket, and no more: a client
            // still writing when the server's close arrives may see its connection reset instead.
            for (int i = 0; i < 2 * 10 + 1 && socket.closeCode(Duration.ZERO) == null; i++) {
                try {
                    socket.send(message("ping"));
                } catch (java.util.concurrent.CompletionException closedMeanwhile) {
                    break;
                }
            }
            var seen = new ArrayList<String>();
            JsonNode message;
            while ((message = socket.next(Duration.ofSeconds(2))) != null) {
                seen.add(message.path("type").asString() + ":" + message.path("code").asString(""));
            }
            assertThat(seen).contains("error:rate_limited").contains("pong:");
            assertThat(socket.closeCode(Duration.ofSeconds(5))).isEqualTo(1008);
        }
    }

    @Test
    void answers_ping_and_refuses_what_is_not_protocol() {
        try (var socket = WsClient.signedIn(port, token)) {
            socket.send(message("ping"));
            socket.expect("pong");
            socket.sendRaw("not json");
            assertThat(socket.expect("error").get("code").asString()).isEqualTo("bad_message");
            socket.send(message("subscribe"));
            assertThat(socket.expect("error").get("code").asString()).isEqualTo("bad_message");
            socket.send(message("subscribe").put("id", "x").put("since", -1));
            assertThat(socket.expect("error").get("code").asString()).isEqualTo("bad_message");
            socket.send(message("subscribe").put("id", "future").put("since", Long.MAX_VALUE));
            assertThat(socket.expect("resync_required").get("sub").asString()).isEqualTo("future");
            socket.send(message("unsubscribe").put("id", "x"));
            socket.expect("unsubscribed");
        }
    }
}
