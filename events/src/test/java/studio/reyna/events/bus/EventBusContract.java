package studio.reyna.events.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import studio.reyna.core.event.Event;

/** What every {@link EventBus} does; each implementation's test extends this class. */
abstract class EventBusContract {
    static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(15);

    EventBus bus;
    /** Unique per test, so that no test sees another's events. */
    final String owner = UUID.randomUUID().toString();

    /** A bus ready to publish; the contract closes it after each test. */
    abstract EventBus openBus();

    @BeforeEach
    void openTheBus() {
        bus = openBus();
    }

    @AfterEach
    void closeTheBus() {
        bus.close();
    }

    @Test
    void a_subscriber_receives_a_published_event_unchanged() {
        var received = new Received();
        var event = TestEvents.event("blob.created.note." + owner);
        bus.subscribe(event.subject(), received);

        bus.publish(event);

        awaitDelivery(received, event);
        assertThat(received.events).containsExactly(event);
    }

    @Test
    void a_pattern_with_both_wildcards_receives_every_matching_subject() {
        var received = new Received();
        bus.subscribe("blob.*.note.>", received);
        var created = TestEvents.event("blob.created.note." + owner);
        var otherSchema = TestEvents.event("blob.created.task." + owner);
        var updated = TestEvents.event("blob.updated.note." + owner);
        var bucket = TestEvents.event("bucket.created.note." + owner);
        var deleted = TestEvents.event("blob.deleted.note." + owner);

        List.of(created, otherSchema, updated, bucket, deleted).forEach(bus::publish);

        awaitDelivery(received, deleted);
        assertThat(received.events).containsExactly(created, updated, deleted);
    }

    @Test
    void a_trailing_wildcard_receives_every_subject_below_it() {
        var received = new Received();
        bus.subscribe("bucket.>", received);
        var created = TestEvents.event("bucket.created.b1." + owner);
        var blob = TestEvents.event("blob.created.note." + owner);
        var renamed = TestEvents.event("bucket.renamed.b1." + owner);

        List.of(created, blob, renamed).forEach(bus::publish);

        awaitDelivery(received, renamed);
        assertThat(received.events).containsExactly(created, renamed);
    }

    @Test
    void an_exact_subject_receives_nothing_else() {
        var received = new Received();
        String subject = "blob.created.note." + owner;
        bus.subscribe(subject, received);
        var otherOwner = TestEvents.event("blob.created.note." + UUID.randomUUID());
        var longer = TestEvents.event(subject + ".extra");
        var shorter = TestEvents.event("blob.created.note");
        var matching = TestEvents.event(subject);

        List.of(otherOwner, longer, shorter, matching).forEach(bus::publish);

        awaitDelivery(received, matching);
        assertThat(received.events).containsExactly(matching);
    }

    @Test
    void a_thousand_events_arrive_in_publish_order() {
        var received = new Received();
        bus.subscribe("blob.*.note." + owner, received);
        List<Event> events = IntStream.range(0, 1000)
                .mapToObj(i -> TestEvents.event((i % 2 == 0 ? "blob.created.note." : "blob.updated.note.") + owner))
                .toList();

        events.forEach(bus::publish);

        awaitDelivery(received, events.getLast());
        assertThat(received.events).containsExactlyElementsOf(events);
    }

    @Test
    void a_thousand_events_published_together_arrive_in_order_and_once_each() {
        var received = new Received();
        bus.subscribe("blob.*.note." + owner, received);
        List<Event> events = IntStream.range(0, 1000)
                .mapToObj(i -> TestEvents.event((i % 2 == 0 ? "blob.created.note." : "blob.updated.note.") + owner))
                .toList();

        assertThat(bus.publishAll(events.subList(0, 600))).isEqualTo(600);
        // A relay that restarts publishes part of a batch again: those arrive once.
        assertThat(bus.publishAll(events.subList(500, 1000))).isEqualTo(500);

        awaitDelivery(received, events.getLast());
        assertThat(received.events).containsExactlyElementsOf(events);
    }

    @Test
    void an_event_published_twice_is_delivered_once() {
        var received = new Received();
        bus.subscribe("blob.>", received);
        var event = TestEvents.event("blob.created.note." + owner);
        var next = TestEvents.event("blob.updated.note." + owner);

        bus.publish(event);
        bus.publish(event);
        bus.publish(next);

        awaitDelivery(received, next);
        assertThat(received.events).containsExactly(event, next);
    }

    @Test
    void every_subscriber_receives_each_event() {
        var first = new Received();
        var second = new Received();
        bus.subscribe("blob.created.note." + owner, first);
        bus.subscribe("blob.*.*." + owner, second);
        var event = TestEvents.event("blob.created.note." + owner);

        bus.publish(event);

        awaitDelivery(first, event);
        awaitDelivery(second, event);
        assertThat(first.events).containsExactly(event);
        assertThat(second.events).containsExactly(event);
    }

    @Test
    void a_closed_subscription_receives_nothing_more() {
        var closing = new Received();
        var staying = new Received();
        var subscription = bus.subscribe("blob.>", closing);
        bus.subscribe("blob.>", staying);
        var before = TestEvents.event("blob.created.note." + owner);
        bus.publish(before);
        awaitDelivery(closing, before);

        subscription.close();
        var after = TestEvents.event("blob.updated.note." + owner);
        bus.publish(after);

        awaitDelivery(staying, after);
        assertThat(closing.events).containsExactly(before);
    }

    @Test
    void a_handler_that_throws_still_receives_later_events() {
        var received = new Received();
        var poison = TestEvents.event("blob.created.note." + owner);
        bus.subscribe("blob.>", event -> {
            received.accept(event);
            if (event.equals(poison)) {
                throw new IllegalStateException("handler failure, expected by the test");
            }
        });
        var next = TestEvents.event("blob.updated.note." + owner);

        bus.publish(poison);
        bus.publish(next);

        awaitDelivery(received, next);
        assertThat(received.events).containsExactly(poison, next);
    }

    @Test
    void a_slow_subscriber_does_not_delay_a_fast_one() throws InterruptedException {
        var release = new CountDownLatch(1);
        var slow = new Received();
        var fast = new Received();
        bus.subscribe("blob.>", event -> {
            slow.accept(event);
            block(release);
        });
        bus.subscribe("blob.>", fast);
        List<Event> events = IntStream.range(0, 100).mapToObj(i -> TestEvents.event("blob.updated.note." + owner)).toList();

        try {
            events.forEach(bus::publish);
            awaitDelivery(fast, events.getLast());
            assertThat(fast.events).containsExactlyElementsOf(events);
            assertThat(slow.events).containsExactly(events.getFirst());
        } finally {
            release.countDown();
        }
        awaitDelivery(slow, events.getLast());
        assertThat(slow.events).containsExactlyElementsOf(events);
    }

    @Test
    void publishing_on_a_closed_bus_says_the_bus_is_unavailable() {
        bus.close();

        assertThatThrownBy(() -> bus.publish(TestEvents.event("blob.created.note." + owner)))
                .isInstanceOf(BusUnavailableException.class);
    }

    static void awaitDelivery(Received received, Event event) {
        await().atMost(DELIVERY_TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> received.events.contains(event));
    }

    private static void block(CountDownLatch release) {
        try {
            release.await(DELIVERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Records what a subscription delivered, in delivery order. */
    static final class Received implements Consumer<Event> {
        final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void accept(Event event) {
            events.add(event);
        }
    }
}
