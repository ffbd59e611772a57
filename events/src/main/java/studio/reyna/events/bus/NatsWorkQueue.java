package studio.reyna.events.bus;

import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamSubscription;
import io.nats.client.Message;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.event.Event;
import tools.jackson.core.JacksonException;

/**
 * This node's handle on a work queue of {@link NatsEventBus}: one durable pull consumer per pattern
 * (NATS 2.9 filters a consumer on one subject), the same consumers on every node, so JetStream hands
 * each message to one of them and redelivers it when it is not acknowledged in time.
 */
final class NatsWorkQueue implements EventBus.WorkQueue {
    private static final Logger log = LoggerFactory.getLogger(NatsWorkQueue.class);
    /** The consumers' numbers are asked of the server at most this often. */
    private static final long PENDING_CACHE_NANOS = Duration.ofSeconds(1).toNanos();
    /** How long a fetch of what a consumer has at hand waits for its batch to fill. */
    private static final Duration AT_HAND = Duration.ofMillis(10);

    private final List<JetStreamSubscription> consumers;
    private final EventCodec codec;
    private int next;
    private volatile long pending;
    private volatile long pendingAsked = System.nanoTime() - PENDING_CACHE_NANOS;

    NatsWorkQueue(List<JetStreamSubscription> consumers, EventCodec codec) {
        this.consumers = consumers;
        this.codec = codec;
    }

    /**
     * Takes what each consumer has at hand (a fetch waits until its batch is full or its time is up,
     * so these waits are short), starting after the one asked first last time, so a busy pattern
     * does not starve the others; only when none had anything does it wait up to {@code wait} on one.
     */
    @Override
    public synchronized List<EventBus.Delivery> fetch(int max, Duration wait) {
        var deliveries = new ArrayList<EventBus.Delivery>();
        for (int i = 0; i < consumers.size() && deliveries.size() < max; i++) {
            take(consumers.get((next + i) % consumers.size()), max - deliveries.size(), AT_HAND, deliveries);
        }
        if (deliveries.isEmpty()) {
            take(consumers.get(next), max, wait, deliveries);
        }
        next = (next + 1) % consumers.size();
        return deliveries;
    }

    private void take(JetStreamSubscription consumer, int max, Duration wait, List<EventBus.Delivery> into) {
        for (Message message : consumer.fetch(max, wait)) {
            decode(message, into);
        }
    }

    private void decode(Message message, List<EventBus.Delivery> into) {
        Event event;
        try {
            event = codec.decode(message.getData());
        } catch (JacksonException e) {
            log.warn("Dropping a message on {} that is not an event envelope", message.getSubject(), e);
            message.term();
            return;
        }
        into.add(new EventBus.Delivery() {
            @Override
            public Event event() {
                return event;
            }

            @Override
            public void ack() {
                message.ack();
            }

            @Override
            public void release() {
                message.nak();
            }

            @Override
            public void stillWorking() {
                message.inProgress();
            }
        });
    }

    @Override
    public long pending() {
        long now = System.nanoTime();
        if (now - pendingAsked >= PENDING_CACHE_NANOS) {
            pendingAsked = now;
            try {
                long sum = 0;
                for (var consumer : consumers) {
                    var info = consumer.getConsumerInfo();
                    sum += info.getNumPending() + info.getNumAckPending();
                }
                pending = sum;
            } catch (IOException | JetStreamApiException | IllegalStateException e) {
                log.debug("Cannot ask NATS how far a work queue is behind", e);
            }
        }
        return pending;
    }

    @Override
    public void close() {
        for (var consumer : consumers) {
            try {
                // The durable consumer stays on the server: the other nodes (and this one's next start) go on with it.
                consumer.unsubscribe();
            } catch (IllegalStateException connectionClosed) {
                log.debug("Work queue closed after its bus", connectionClosed);
            }
        }
    }
}
