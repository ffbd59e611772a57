package studio.reyna.events.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nats.client.Connection;
import io.nats.client.JetStreamApiException;
import io.nats.client.Nats;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the contract against the NATS server of this machine (and of CI), on a stream of its own. */
class NatsEventBusTest extends EventBusContract {
    static final String NATS_URL = "nats://127.0.0.1:4222";
    private static final String RANDOM = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    static final String PREFIX = "test" + RANDOM;
    static final String STREAM = "reyna-test-" + RANDOM;
    private static final Duration MAX_AGE = Duration.ofHours(1);

    private static Connection admin;

    @BeforeAll
    static void connectAdmin() throws IOException, InterruptedException {
        admin = Nats.connect(NATS_URL);
    }

    @AfterAll
    static void deleteStream() throws IOException, JetStreamApiException, InterruptedException {
        try {
            admin.jetStreamManagement().deleteStream(STREAM);
        } finally {
            admin.close();
        }
    }

    @Override
    EventBus openBus() {
        return NatsEventBus.start(NATS_URL, PREFIX, STREAM, MAX_AGE, TestEvents.CODEC);
    }

    @Test
    void start_creates_a_file_stream_of_the_prefixed_subjects() throws IOException, JetStreamApiException {
        StreamConfiguration config = admin.jetStreamManagement().getStreamInfo(STREAM).getConfiguration();

        assertThat(config.getSubjects()).containsExactlyInAnyOrder(
                PREFIX + ".blob.>", PREFIX + ".bucket.>", PREFIX + ".schema.>", PREFIX + ".share.>", PREFIX + ".attachment.>");
        assertThat(config.getStorageType()).isEqualTo(StorageType.File);
        assertThat(config.getMaxAge()).isEqualTo(MAX_AGE);
        assertThat(config.getDuplicateWindow()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void starting_with_another_max_age_updates_the_stream() throws IOException, JetStreamApiException {
        try (var longer = NatsEventBus.start(NATS_URL, PREFIX, STREAM, Duration.ofHours(2), TestEvents.CODEC)) {
            assertThat(admin.jetStreamManagement().getStreamInfo(STREAM).getConfiguration().getMaxAge())
                    .isEqualTo(Duration.ofHours(2));
        } finally {
            NatsEventBus.start(NATS_URL, PREFIX, STREAM, MAX_AGE, TestEvents.CODEC).close();
        }
    }

    @Test
    void events_travel_under_the_deployment_prefix() throws Exception {
        var event = TestEvents.event("blob.created.note." + owner);
        var raw = admin.subscribe(PREFIX + ".blob.created.note." + owner);
        // A round trip, so the server has the subscription before the event is published.
        admin.flush(Duration.ofSeconds(5));

        bus.publish(event);

        var message = raw.nextMessage(DELIVERY_TIMEOUT);
        assertThat(message).isNotNull();
        assertThat(message.getSubject()).isEqualTo(PREFIX + ".blob.created.note." + owner);
        assertThat(TestEvents.CODEC.decode(message.getData())).isEqualTo(event);
        raw.unsubscribe();
    }

    @Test
    void events_published_on_one_node_reach_the_subscribers_of_another() {
        var received = new Received();
        var event = TestEvents.event("schema.published.note." + owner);
        try (var otherNode = openBus()) {
            otherNode.subscribe("schema.>", received);

            bus.publish(event);

            awaitDelivery(received, event);
        }
        assertThat(received.events).containsExactly(event);
    }

    @Test
    void a_work_queue_hands_each_event_to_one_node_and_again_when_it_is_not_acknowledged() {
        var before = TestEvents.event("blob.created.note." + owner);
        bus.publish(before); // published before the queue exists: not its work
        String name = "work-" + UUID.randomUUID().toString().substring(0, 8);
        var patterns = List.of("blob.created.>", "blob.updated.>");
        try (var otherNode = openBus();
             var here = bus.workQueue(name, patterns, Duration.ofSeconds(1)).orElseThrow();
             var there = otherNode.workQueue(name, patterns, Duration.ofSeconds(1)).orElseThrow()) {
            var published = new java.util.ArrayList<UUID>();
            for (int i = 0; i < 30; i++) {
                var event = TestEvents.event((i % 3 == 0 ? "schema.published.note." : i % 3 == 1 ? "blob.created.note." : "blob.updated.note.") + owner);
                bus.publish(event);
                if (i % 3 != 0) {
                    published.add(event.id());
                }
            }
            var taken = new java.util.ArrayList<UUID>();
            int tookHere = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (taken.size() < published.size() && System.nanoTime() < deadline) {
                for (var queue : List.of(here, there)) {
                    for (var delivery : queue.fetch(3, Duration.ofMillis(200))) {
                        taken.add(delivery.event().id());
                        tookHere += queue == here ? 1 : 0;
                        delivery.ack();
                    }
                }
            }
            assertThat(taken).containsExactlyInAnyOrderElementsOf(published); // each once, none left out
            assertThat(tookHere).isBetween(1, published.size() - 1); // both nodes worked

            // Not acknowledged: it comes again, to the other node, once its time is up.
            var dropped = TestEvents.event("blob.created.note." + owner);
            bus.publish(dropped);
            assertThat(fetchOne(here).event().id()).isEqualTo(dropped.id());
            assertThat(there.fetch(1, Duration.ofMillis(300))).isEmpty();
            var again = fetchOne(there);
            assertThat(again.event().id()).isEqualTo(dropped.id());
            again.ack();

            // Released: it comes again at once.
            var released = TestEvents.event("blob.updated.note." + owner);
            bus.publish(released);
            fetchOne(here).release();
            var taken2 = fetchOne(there);
            assertThat(taken2.event().id()).isEqualTo(released.id());
            taken2.ack();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> here.pending() == 0);
        }
    }

    private static EventBus.Delivery fetchOne(EventBus.WorkQueue queue) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            var deliveries = queue.fetch(1, Duration.ofMillis(250));
            if (!deliveries.isEmpty()) {
                return deliveries.getFirst();
            }
        }
        throw new AssertionError("nothing came from the work queue within 5 s");
    }

    @Test
    void a_pattern_outside_the_stream_is_refused() {
        assertThatThrownBy(() -> bus.subscribe("user.>", new Received()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user.>");
    }

    @Test
    void a_prefix_that_is_not_a_subject_is_refused() {
        for (String prefix : List.of("a b", "a.>", "a..b", ".a", "a.*")) {
            assertThatThrownBy(() -> NatsEventBus.start(NATS_URL, prefix, STREAM, MAX_AGE, TestEvents.CODEC))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void credentials_never_appear_in_messages() {
        assertThat(NatsEventBus.withoutCredentials("nats://user:secret@nats.internal:4222"))
                .isEqualTo("nats://nats.internal:4222");
        assertThat(NatsEventBus.withoutCredentials("nats://token@127.0.0.1:4222")).isEqualTo("nats://127.0.0.1:4222");
        assertThat(NatsEventBus.withoutCredentials(NATS_URL)).isEqualTo(NATS_URL);
    }
}
