package studio.reyna.gateway.realtime;

import java.util.ArrayDeque;
import java.util.UUID;
import java.util.function.Consumer;
import studio.reyna.core.event.Event;

/**
 * One {@code subscribe} of one socket. It starts by replaying stored events after its cursor;
 * live events that arrive meanwhile wait in a buffer. When the replay has caught up, the buffer
 * is flushed and the subscription goes live. Each event is handed to {@code send} at most once
 * and in cursor order: nothing is skipped, nothing is sent twice. {@code send} is called under
 * this subscription's lock, so it must not block (it queues).
 */
final class LiveSubscription {
    /** Live events held while replaying; past this the socket is told to resync instead. */
    static final int MAX_BUFFERED = 10_000;

    final String id;
    final UUID bucketId;
    final String schemaId;
    private long lastCursor;
    private boolean live;
    private boolean overflowed;
    private boolean ended;
    private final ArrayDeque<Event> buffer = new ArrayDeque<>();

    LiveSubscription(String id, UUID bucketId, String schemaId, long since) {
        this.id = id;
        this.bucketId = bucketId;
        this.schemaId = schemaId;
        this.lastCursor = since;
    }

    synchronized long lastCursor() {
        return lastCursor;
    }

    /** A live event from the bus: sent now when live, else kept until the replay ends. */
    synchronized void live(Event event, Consumer<Event> send) {
        if (live) {
            deliver(event, send);
        } else if (buffer.size() >= MAX_BUFFERED) {
            overflowed = true;
            buffer.clear();
        } else if (!overflowed) {
            buffer.add(event);
        }
    }

    /** A stored event read during the replay. */
    synchronized void replayed(Event event, Consumer<Event> send) {
        deliver(event, send);
    }

    /**
     * Ends the replay: sends what was buffered, in order, and from now on live events go straight
     * through. False when the buffer overflowed: the socket must resync instead.
     */
    synchronized boolean goLive(Consumer<Event> send) {
        if (overflowed) {
            return false;
        }
        buffer.forEach(event -> deliver(event, send));
        buffer.clear();
        live = true;
        return true;
    }

    /**
     * Ends the subscription: {@code then} runs under its lock (the {@code unsubscribed} answer), and
     * nothing is sent for it afterwards.
     */
    synchronized void end(Runnable then) {
        ended = true;
        buffer.clear();
        then.run();
    }

    /** Runs {@code action} under the subscription's lock unless it has ended; false when it has. */
    synchronized boolean ifActive(Runnable action) {
        if (!ended) {
            action.run();
        }
        return !ended;
    }

    private void deliver(Event event, Consumer<Event> send) {
        if (!ended && event.cursor() > lastCursor) {
            lastCursor = event.cursor();
            send.accept(event);
        }
    }
}
