package studio.reyna.processor.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import studio.reyna.core.event.Event;
import studio.reyna.events.bus.EventBus;

/**
 * A processor's work queue on the bus (NATS JetStream), shared by the workers of every node:
 * each event goes to one of them, so several nodes share one processor's work. An event is
 * acknowledged once its result is stored; one whose node died before that comes again to another
 * node after the queue's redelivery time, and one abandoned by a stopping node at once.
 */
final class SharedQueue implements EventSource {
    private final EventBus.WorkQueue queue;
    private final Duration idleWait;
    private final long stillWorkingEveryNanos;
    private final AtomicLong position = new AtomicLong();

    /** @param redeliverAfter the queue's redelivery time: a batch still at work says so three times as often */
    SharedQueue(EventBus.WorkQueue queue, Duration idleWait, Duration redeliverAfter) {
        this.queue = queue;
        this.idleWait = idleWait;
        this.stillWorkingEveryNanos = redeliverAfter.toNanos() / 3;
    }

    @Override
    public boolean active() {
        return true;
    }

    @Override
    public Batch next(int max) {
        var deliveries = queue.fetch(max, idleWait);
        List<Event> events = deliveries.stream().map(EventBus.Delivery::event).toList();
        return new Batch() {
            private long saidAt = System.nanoTime();

            @Override
            public void stillWorking() {
                if (System.nanoTime() - saidAt >= stillWorkingEveryNanos) {
                    saidAt = System.nanoTime();
                    deliveries.forEach(EventBus.Delivery::stillWorking);
                }
            }

            @Override
            public List<Event> events() {
                return events;
            }

            @Override
            public void finished(int handled) {
                for (int i = 0; i < deliveries.size(); i++) {
                    if (i < handled) {
                        deliveries.get(i).ack();
                        position.accumulateAndGet(events.get(i).cursor(), Math::max);
                    } else {
                        deliveries.get(i).release();
                    }
                }
            }

            @Override
            public void abandoned() {
                deliveries.forEach(EventBus.Delivery::release);
            }
        };
    }

    @Override
    public long lag() {
        return queue.pending();
    }

    @Override
    public long position() {
        return position.get();
    }

    @Override
    public void close() {
        queue.close();
    }
}
