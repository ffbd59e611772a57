package studio.reyna.events.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NATS going away and coming back, on a server process of this test's own (no prefix, as a single deployment). */
class NatsEventBusOutageTest {
    private static final Duration FAILS_WITHIN = Duration.ofSeconds(5);
    private static final Duration RECOVERS_WITHIN = Duration.ofSeconds(30);

    @TempDir
    Path dir;
    private NatsServerProcess server;
    private NatsEventBus bus;
    private final String owner = UUID.randomUUID().toString();

    @BeforeEach
    void startServerAndBus() {
        server = NatsServerProcess.start(dir);
        bus = NatsEventBus.start(server.url(), "", "reyna-outage", NatsEventBus.DEFAULT_MAX_AGE, TestEvents.CODEC);
    }

    @AfterEach
    void stopBusAndServer() {
        try {
            bus.close();
        } finally {
            server.stop();
        }
    }

    @Test
    void publishing_while_nats_is_down_fails_fast() {
        server.stop();

        assertTimeoutPreemptively(FAILS_WITHIN, () ->
                assertThatThrownBy(() -> bus.publish(TestEvents.event("blob.created.note." + owner)))
                        .isInstanceOf(BusUnavailableException.class)
                        .hasMessageContaining(server.url()));
    }

    @Test
    void closing_while_nats_is_down_does_not_hang() {
        bus.subscribe("blob.>", event -> { });
        server.stop();

        assertTimeoutPreemptively(FAILS_WITHIN, bus::close);
    }

    @Test
    void after_nats_restarts_publishing_works_again_and_subscriptions_resume() {
        var received = new EventBusContract.Received();
        bus.subscribe("blob.>", received);
        var before = TestEvents.event("blob.created.note." + owner);
        bus.publish(before);
        EventBusContract.awaitDelivery(received, before);

        server.stop();
        server.start();
        var after = TestEvents.event("blob.updated.note." + owner);
        await().atMost(RECOVERS_WITHIN).pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsInstanceOf(BusUnavailableException.class)
                .until(() -> {
                    bus.publish(after);
                    return true;
                });
        var later = TestEvents.event("blob.deleted.note." + owner);
        bus.publish(later);

        await().atMost(RECOVERS_WITHIN).until(() -> received.events.contains(later));
        assertThat(received.events).containsExactly(before, after, later);
    }

    @Test
    void start_fails_fast_naming_the_url_but_not_its_credentials_when_nats_is_down() {
        server.stop();
        String url = "nats://reyna:secret@127.0.0.1:" + server.port;

        assertTimeoutPreemptively(FAILS_WITHIN, () ->
                assertThatThrownBy(() -> NatsEventBus.start(url, "", "reyna-outage", NatsEventBus.DEFAULT_MAX_AGE,
                        TestEvents.CODEC))
                        .isInstanceOf(BusUnavailableException.class)
                        .hasMessageContaining("nats://127.0.0.1:" + server.port)
                        .hasMessageNotContaining("secret"));
    }
}
