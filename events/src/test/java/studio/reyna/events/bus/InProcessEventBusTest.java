package studio.reyna.events.bus;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import studio.reyna.core.event.Event;

class InProcessEventBusTest extends EventBusContract {

    @Override
    EventBus openBus() {
        return new InProcessEventBus();
    }

    @Test
    void a_subscriber_that_falls_a_full_queue_behind_is_dropped_without_blocking_the_publisher() {
        var smallQueues = new InProcessEventBus(100, 3);
        var release = new CountDownLatch(1);
        var stuck = new Received();
        var healthy = new Received();
        smallQueues.subscribe("blob.>", event -> {
            stuck.accept(event);
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        smallQueues.subscribe("blob.>", healthy);
        List<Event> events = IntStream.range(0, 10).mapToObj(i -> TestEvents.event("blob.updated.note." + owner)).toList();

        try {
            // One at a time, so that the healthy subscriber never has more than one event queued.
            for (Event event : events) {
                smallQueues.publish(event);
                awaitDelivery(healthy, event);
            }
        } finally {
            release.countDown();
            smallQueues.close();
        }
        assertThat(healthy.events).containsExactlyElementsOf(events);
        // Its handler got at most the first event before the queue (3) overflowed and the subscription ended.
        assertThat(stuck.events).isSubsetOf(events.getFirst());
    }

    @Test
    void duplicates_are_recognised_only_within_the_recent_window() {
        var smallWindow = new InProcessEventBus(2, 100);
        var received = new Received();
        smallWindow.subscribe("blob.>", received);
        var first = TestEvents.event("blob.created.note." + owner);
        var second = TestEvents.event("blob.updated.note." + owner);
        var third = TestEvents.event("blob.updated.note." + owner);
        var last = TestEvents.event("blob.deleted.note." + owner);

        try {
            // The window holds two ids: the second "first" is a duplicate, the third no longer is.
            List.of(first, second, first, third, first, last).forEach(smallWindow::publish);
            awaitDelivery(received, last);
        } finally {
            smallWindow.close();
        }
        assertThat(received.events).containsExactly(first, second, third, first, last);
    }
}
