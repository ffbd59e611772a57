package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code bin/cluster} as an operator runs it: two studio processes on the local PostgreSQL, NATS
 * and Redis behind Debian's nginx. Writes go through the balancer while a node is killed and
 * started again; sockets opened through the balancer (one lands on each node) reconnect and resume.
 */
class ClusterTest {
    private static final Path DIR = Path.of("target/cluster").toAbsolutePath();
    private int port;

    @BeforeEach
    void up() throws Exception {
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort() > 60_000 ? socket.getLocalPort() - 100 : socket.getLocalPort();
        }
        Files.createDirectories(DIR);
        assertThat(cluster("up", "2")).contains("http://127.0.0.1:" + port + "/");
    }

    @AfterEach
    void down() throws Exception {
        cluster("down");
    }

    @Test
    void writes_through_the_balancer_survive_a_killed_node_and_sockets_resume_on_the_other() throws Exception {
        var api = new Api(port);
        String token = api.register("cluster").get("accessToken").asString();
        Api.expect(api.post("/api/v1/schemas", token, Map.of("id", "note", "name", "Note", "schema", Map.of())), 201);
        String bucket = Api.expect(api.post("/api/v1/buckets", token, Map.of("name", "Clustered")), 201).get("id").asString();
        assertThat(cluster("status")).contains("node 1: pid", "node 2: pid", "balancer: http://127.0.0.1:" + port);

        // Least connections: the second socket goes to the node the first did not.
        var sockets = List.of(subscribed(token, bucket), subscribed(token, bucket));
        var written = new CopyOnWriteArrayList<String>();
        var failures = new CopyOnWriteArrayList<Integer>();
        var writing = new AtomicBoolean(true);
        var writer = Thread.ofVirtual().start(() -> {
            for (int i = 0; i < 2_000 && writing.get(); i++) {
                var response = api.post("/api/v1/buckets/" + bucket + "/blobs", token,
                        Map.of("schemaId", "note", "data", Map.of("title", "w" + i)));
                if (response.status() == 201) {
                    written.add(response.json().get("id").asString());
                } else {
                    failures.add(response.status());
                }
            }
        });
        awaitCount(written, 20);
        cluster("kill", "1");
        int atKill = written.size();
        awaitCount(written, atKill + 30);
        assertThat(cluster("start", "1")).contains("node 1 ready");
        int atStart = written.size();
        awaitCount(written, atStart + 30);
        writing.set(false);
        writer.join(Duration.ofSeconds(30));

        // At most the one request the single writer had in flight on the killed node is lost.
        assertThat(failures).as("failed writes").hasSizeLessThanOrEqualTo(1).allMatch(status -> status == 502);
        assertThat(written.size()).isGreaterThan(atStart + 29);

        // Every socket ends with every write exactly once: the one on the killed node by resuming elsewhere.
        int resumed = 0;
        for (var socket : sockets) {
            var seen = new LinkedHashSet<String>();
            var duplicates = new ArrayList<String>();
            long cursor = socket.cursor;
            var client = socket.client;
            for (int round = 0; round < 5 && !seen.containsAll(written); round++) {
                cursor = drain(client, seen, duplicates, cursor);
                if (!seen.containsAll(written)) {
                    client.close();
                    client = WsClient.signedIn(port, token);
                    client.send(Api.JSON.createObjectNode().put("type", "subscribe").put("id", "s")
                            .put("bucketId", bucket).put("since", cursor));
                    client.expect("subscribed");
                    resumed++;
                }
            }
            client.close();
            assertThat(duplicates).as("nothing twice").isEmpty();
            var inOrder = new ArrayList<>(seen);
            inOrder.retainAll(written);
            assertThat(inOrder).as("every write, in order").containsExactlyElementsOf(written);
            var extra = new ArrayList<>(seen);
            extra.removeAll(written);
            assertThat(extra).as("creations answered 502 that had committed on the dying node")
                    .hasSizeLessThanOrEqualTo(failures.size());
        }
        assertThat(resumed).as("the socket on the killed node resumed through the balancer").isGreaterThanOrEqualTo(1);
        System.out.printf("cluster: %d writes through the balancer, %d failed (%s) while node 1 was killed and started again;"
                + " sockets resumed %d times%n", written.size(), failures.size(), failures, resumed);
    }

    private record Subscribed(WsClient client, long cursor) {
    }

    private Subscribed subscribed(String token, String bucket) {
        var client = WsClient.signedIn(port, token);
        client.send(Api.JSON.createObjectNode().put("type", "subscribe").put("id", "s").put("bucketId", bucket));
        return new Subscribed(client, client.expect("subscribed").get("cursor").asLong());
    }

    /** Reads blob events until the socket is quiet for two seconds or closes; returns the last cursor. */
    private static long drain(WsClient client, LinkedHashSet<String> seen, List<String> duplicates, long cursor) {
        for (int i = 0; i < 10_000; i++) {
            JsonNode message = client.next(Duration.ofSeconds(2));
            if (message == null) {
                return cursor;
            }
            if (message.path("type").asString().equals("event")) {
                cursor = message.path("cursor").asLong(cursor);
                if (message.at("/event/type").asString().equals("blob.created") && !seen.add(message.at("/event/blobId").asString())) {
                    duplicates.add(message.at("/event/blobId").asString());
                }
            }
        }
        return cursor;
    }

    private static void awaitCount(List<String> written, int count) throws InterruptedException {
        for (int i = 0; i < 600 && written.size() < count; i++) {
            Thread.sleep(100);
        }
        assertThat(written.size()).as("writes done through the balancer").isGreaterThanOrEqualTo(count);
    }

    private String cluster(String... arguments) throws Exception {
        var command = new ArrayList<>(List.of("bash", Path.of("../bin/cluster").toAbsolutePath().normalize().toString()));
        command.addAll(List.of(arguments));
        var builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("REYNA_"));
        builder.environment().putAll(Map.of("REYNA_CLUSTER_DIR", DIR.toString(), "REYNA_CLUSTER_PORT", Integer.toString(port),
                "REYNA_CLUSTER_CLASSPATH", System.getProperty("java.class.path"),
                // One writer as fast as it goes: far past the default blob-creation limit.
                "REYNA_RATE_LIMITS", "off"));
        return Processes.output(builder, Duration.ofMinutes(3));
    }
}
