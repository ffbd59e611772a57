package studio.reyna.events.bus;

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

    /**
     * Publishes one committed event (its {@code cursor} set). Publishing the same event id again is
     * harmless: subscribers receive it once. Throws {@link BusUnavailableException} when the bus
     * cannot take it now; the caller keeps the event and tries again later; throws
     * {@link UnpublishableEventException} when it never will.
     */
    void publish(Event event);

    /**
     * Delivers every event published from now on whose subject matches {@code pattern}, in publish
     * order, on a thread of the bus. A slow handler delays only its own subscription.
     */
    Subscription subscribe(String pattern, Consumer<Event> handler);

    /** Stops delivery and releases connections. */
    @Override
    void close();

    /** A live subscription; closing it stops delivery to its handler. */
    interface Subscription extends AutoCloseable {
        @Override
        void close();
    }
}
