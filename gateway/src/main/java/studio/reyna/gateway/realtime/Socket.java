package studio.reyna.gateway.realtime;

import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.websocket.api.Callback;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
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
    /** A frame the peer has not taken in this long means the peer is not reading. */
    private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);
    /** Queued after the last message when the server closes the socket (compared by identity). */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String CLOSE = new String("close");
    private volatile int closeCode;
    private volatile String closeReason;
    volatile UUID userId;
    volatile Instant expiresAt;
    volatile ScheduledFuture<?> authTimer;
    volatile ScheduledFuture<?> expiryWarning;
    volatile ScheduledFuture<?> expiry;
    private long windowStart;
    private int messagesInWindow;

    Socket(WsContext ctx, int outboxSize) {
        this.ctx = ctx;
        // Linked, not array-backed: an idle socket must not carry a preallocated slot array.
        this.outbox = new LinkedBlockingQueue<>(outboxSize);
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
     * Closes the socket with {@code code}, after the messages already queued (an error that explains
     * the close, say). The writer does it, so a timer or the bus never waits for the peer; when the
     * outbox is full, the socket is closed at once.
     */
    void close(int code, String reason) {
        if (closed.compareAndSet(false, true)) {
            cancelTimers();
            closeCode = code;
            closeReason = reason;
            if (!outbox.offer(CLOSE)) {
                writer.interrupt();
                Thread.ofVirtual().name("ws-close").start(this::closeSession);
            }
        }
    }

    private void closeSession() {
        try {
            ctx.closeSession(closeCode, closeReason);
        } catch (RuntimeException e) {
            log.debug("closing a socket that is already gone", e);
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
            while (true) {
                String message = outbox.take();
                if (message == CLOSE) {
                    closeSession();
                    return;
                }
                // Wait until Jetty has written the frame: its own queue is unbounded, so without
                // this wait a reader that stops reading would grow it without limit instead of
                // filling the outbox.
                var written = new Callback.Completable();
                ctx.session.sendText(message, written);
                written.get(WRITE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("a socket could not be written to in time; dropping it", e);
            if (closed.compareAndSet(false, true)) {
                cancelTimers();
                closeCode = CloseCodes.TOO_SLOW;
                closeReason = "too slow to read its events; reconnect and resume from your last cursor";
            }
            closeSession();
        } catch (RuntimeException e) {
            log.debug("a socket could not be written to; dropping it", e);
            closed();
        }
    }
}
