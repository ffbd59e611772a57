package studio.reyna.events.bus;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.event.Event;

/** Runs a subscriber's handler so that its failure on one event never stops delivery of the next. */
final class SafeHandler {
    private static final Logger log = LoggerFactory.getLogger(SafeHandler.class);

    private final String pattern;
    private final Consumer<Event> handler;

    SafeHandler(String pattern, Consumer<Event> handler) {
        this.pattern = pattern;
        this.handler = handler;
    }

    void deliver(Event event) {
        try {
            handler.accept(event);
        } catch (RuntimeException e) {
            log.warn("Subscriber to {} failed on event {} ({}); delivery continues with the next event",
                    pattern, event.id(), event.subject(), e);
        }
    }
}
