package studio.reyna.events.bus;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import studio.reyna.core.event.Event;

/**
 * Carries committed events from the relay to every node. Subjects are hierarchical
 * ({@code blob.created.{schemaId}.{ownerId}}) and patterns use NATS wildcards: {@code *} matches one
 * token, {@code >} the rest ({@code blob.*.note.>}).
 *
 * <p>Two implementations pass the same contract: {@link InProcessEventBus} for one node, and
 * NATS JetStream for many.
 */
public interface EventBus extends AutoCloseable {

    /** True while the bus can take events now (the in-process bus always can). */
    default boolean isConnected() {
        return true;
    }

    /**
     * Publishes one committed event (its {@code cursor} set). Publishing the same event id again is
     * harmless: subscribers receive it once. Throws {@link BusUnavailableException} when the bus
     * cannot take it now; the caller keeps the event and tries again later; throws
     * {@link UnpublishableEventException} when it never will.
     */
    void publish(Event event);

    /**
     * Publishes events in order, as {@link #publish} each; returns how many of the first were taken
     * (all of them, unless the bus became unavailable part way: the caller publishes the rest, from
     * the first not taken, later). Throws as {@link #publish} does when not even the first was
     * taken. A bus may send them without waiting for each acknowledgement in turn.
     */
    default int publishAll(List<Event> events) {
        int taken = 0;
        for (var event : events) {
            try {
                publish(event);
            } catch (BusUnavailableException | UnpublishableEventException e) {
                if (taken == 0) {
                    throw e;
                }
                return taken;
            }
            taken++;
        }
        return taken;
    }

    /**
     * Delivers every event published from now on whose subject matches {@code pattern}, in publish
     * order, on a thread of the bus. A slow handler delays only its own subscription.
     */
    Subscription subscribe(String pattern, Consumer<Event> handler);

    /**
     * A queue of the events matching {@code patterns}, shared by every node that opens it under
     * {@code name}: each event published since the queue was first opened (on any node) reaches one
     * of them, and comes again — to any of them — until it is acknowledged, or {@code redeliverAfter}
     * after it was last handed out. Empty when this bus cannot share work between nodes (the
     * in-process bus): the caller then keeps a cursor over the event log itself.
     */
    default Optional<WorkQueue> workQueue(String name, List<String> patterns, Duration redeliverAfter) {
        return Optional.empty();
    }

    /** Stops delivery and releases connections. */
    @Override
    void close();

    /** This node's handle on a {@link #workQueue}. */
    interface WorkQueue extends AutoCloseable {
        /** Up to {@code max} events, waiting up to {@code wait} while there are none. */
        List<Delivery> fetch(int max, Duration wait);

        /** Events in the queue not acknowledged yet, handed out or not: how far behind its workers are. */
        long pending();

        @Override
        void close();
    }

    /** One event taken from a {@link WorkQueue}. */
    interface Delivery {
        Event event();

        /** Done with it: it never comes again. */
        void ack();

        /** Gives it back at once, for this node or another to take. */
        void release();

        /** Still at work on it: its redelivery time starts again. */
        void stillWorking();
    }

    /** A live subscription; closing it stops delivery to its handler. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
