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
