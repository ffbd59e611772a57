package studio.reyna.events.bus;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.event.Event;

/**
 * The bus of a single node: events go from the publisher straight to the subscriptions of this JVM.
 *
 * <p>Each subscription has its own bounded queue drained by its own virtual thread, so a slow handler
 * delays only itself. The publisher never waits: a subscription whose queue is full is closed and that
 * logged once, since an unbounded queue would let one stuck handler exhaust the heap. Closing a
 * subscription interrupts its handler if one is running, as closing a jnats dispatcher does.
 */
public final class InProcessEventBus implements EventBus {
    private static final Logger log = LoggerFactory.getLogger(InProcessEventBus.class);
    private static final int RECENT_ID_CAPACITY = 10_000;
    private static final int QUEUE_CAPACITY = 10_000;

    private final int queueCapacity;
    private final List<QueuedSubscription> subscriptions = new CopyOnWriteArrayList<>();
    // One publisher at a time, so every subscription sees events in the same order.
    private final ReentrantLock publishLock = new ReentrantLock();
    private final Set<UUID> recentIds; // guarded by publishLock
    private boolean closed; // guarded by publishLock

    public InProcessEventBus() {
        this(RECENT_ID_CAPACITY, QUEUE_CAPACITY);
    }

    InProcessEventBus(int recentIdCapacity, int queueCapacity) {
        this.queueCapacity = queueCapacity;
        this.recentIds = Collections.newSetFromMap(new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<UUID, Boolean> eldest) {
                return size() > recentIdCapacity;
            }
        });
    }

    @Override
    public void publish(Event event) {
        publishLock.lock();
        try {
            if (closed) {
                throw new BusUnavailableException("The in-process event bus is closed", null);
            }
            if (!recentIds.add(event.id())) {
                return;
            }
            for (QueuedSubscription subscription : subscriptions) {
                if (Subjects.matches(subscription.pattern, event.subject())) {
                    subscription.enqueue(event);
                }
            }
        } finally {
            publishLock.unlock();
        }
    }

    @Override
    public Subscription subscribe(String pattern, Consumer<Event> handler) {
        publishLock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("The in-process event bus is closed");
            }
            var subscription = new QueuedSubscription(pattern, new SafeHandler(pattern, handler));
            subscriptions.add(subscription);
            return subscription;
        } finally {
            publishLock.unlock();
        }
    }

    @Override
    public void close() {
        publishLock.lock();
        try {
            closed = true;
        } finally {
            publishLock.unlock();
        }
        subscriptions.forEach(QueuedSubscription::close);
    }

    private final class QueuedSubscription implements Subscription {
        private final String pattern;
        private final SafeHandler handler;
        private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(queueCapacity);
        private final AtomicBoolean closed = new AtomicBoolean();
        private final Thread drainer;

        QueuedSubscription(String pattern, SafeHandler handler) {
            this.pattern = pattern;
            this.handler = handler;
            this.drainer = Thread.ofVirtual().name("event-bus " + pattern).start(this::drain);
        }

        /** Called by the publisher only. */
        void enqueue(Event event) {
            if (closed.get() || queue.offer(event)) {
                return;
            }
            log.warn("Subscriber to {} fell {} events behind; its subscription is closed from event {} on",
                    pattern, queueCapacity, event.id());
            close();
        }

        private void drain() {
            try {
                while (!closed.get()) {
                    Event event = queue.take();
                    if (!closed.get()) {
                        handler.deliver(event);
                    }
                }
            } catch (InterruptedException stopped) {
                // close() interrupts the drainer: this is how a waiting subscription ends.
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            subscriptions.remove(this);
            // A handler that closes its own subscription keeps running undisturbed to its end.
            if (Thread.currentThread() != drainer) {
                drainer.interrupt();
            }
        }
    }
}
