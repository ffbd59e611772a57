package studio.reyna.gateway.realtime;

import io.javalin.websocket.WsContext;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open WebSocket: who it belongs to, until when, its subscriptions, and its outbox. Messages
 * are queued and written by the socket's own virtual thread, so a slow reader delays only itself;
 * when its outbox is full it is closed ({@link CloseCodes#TOO_SLOW}) rather than slowing others.
 */
final class Socket {
    private static final Logger log = LoggerFactory.getLogger(Socket.class);

    final WsContext ctx;
    final Map<String, LiveSubscription> subscriptions = new ConcurrentHashMap<>();
    private final BlockingQueue<String> outbox;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread writer;
    volatile UUID userId;
    volatile Instant expiresAt;
    volatile ScheduledFuture<?> authTimer;
    volatile ScheduledFuture<?> expiryWarning;
    volatile ScheduledFuture<?> expiry;
    private long windowStart;
    private int messagesInWindow;

    Socket(WsContext ctx, int outboxSize) {
        this.ctx = ctx;
        this.outbox = new ArrayBlockingQueue<>(outboxSize);
        this.writer = Thread.ofVirtual().name("ws-writer").start(this::write);
    }

    /** Queues a message; false (and the socket is closed) when the reader is too slow to keep up. */
    boolean send(String message) {
        if (closed.get()) {
            return false;
        }
        if (!outbox.offer(message)) {
            close(CloseCodes.TOO_SLOW, "too slow to read its events; reconnect and resume from your last cursor");
            return false;
        }
        return true;
    }

    /**
     * Counts one incoming message against the per-second limit: 0 within it, 1 just over it (warn),
     * 2 far over it (close).
     */
    synchronized int countMessage(int perSecond, long nowMillis) {
        if (nowMillis - windowStart >= 1000) {
            windowStart = nowMillis;
            messagesInWindow = 0;
        }
        messagesInWindow++;
        if (messagesInWindow <= perSecond) {
            return 0;
        }
        return messagesInWindow > 2 * perSecond ? 2 : 1;
    }

    /**
     * Closes the socket with {@code code}. The close handshake waits for the peer, so it runs on a
     * virtual thread of its own: a timer or the bus must never wait for a slow client.
     */
    void close(int code, String reason) {
        if (closed.compareAndSet(false, true)) {
            cancelTimers();
            writer.interrupt();
            Thread.ofVirtual().name("ws-close").start(() -> {
                try {
                    ctx.closeSession(code, reason);
                } catch (RuntimeException e) {
                    log.debug("closing a socket that is already gone", e);
                }
            });
        }
    }

    /** The peer went away: stop writing. */
    void closed() {
        if (closed.compareAndSet(false, true)) {
            cancelTimers();
            writer.interrupt();
        }
    }

    boolean isOpen() {
        return !closed.get();
    }

    void cancelTimers() {
        for (var timer : new ScheduledFuture<?>[] {authTimer, expiryWarning, expiry}) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }

    private void write() {
        try {
            while (!closed.get()) {
                String message = outbox.take();
                ctx.send(message);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.debug("a socket could not be written to; dropping it", e);
            closed();
        }
    }
}
