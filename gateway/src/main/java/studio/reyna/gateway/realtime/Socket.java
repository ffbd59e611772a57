package studio.reyna.gateway.realtime;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open WebSocket: who it belongs to, until when, its subscriptions, and its outbox.
 *
 * <p>Messages are written one frame at a time with Jetty's asynchronous send; the next queued
 * message goes out when the previous frame has been written. No thread waits on a socket, so a
 * slow reader delays only itself: its outbox grows, and when the outbox is full the socket is
 * closed with {@link CloseCodes#TOO_SLOW} rather than holding memory for it or slowing others.
 *
 * <p>It also remembers when the peer was last heard from (any frame, pongs included), so the
 * endpoint's heartbeat can drop a peer that stopped answering.
 *
 * <p>Public only because Jetty calls the listener methods through method handles; nothing outside
 * this package uses it.
 */
public final class Socket implements Session.Listener.AutoDemanding {
    private static final Logger log = LoggerFactory.getLogger(Socket.class);
    private static final String TOO_SLOW_REASON = "too slow to read its events; reconnect and resume from your last cursor";

    /** What the socket tells its endpoint. */
    interface Events {
        void opened(Socket socket);

        void message(Socket socket, String text);

        void closed(Socket socket);

        /** The socket is being closed because its reader fell {@code outboxLimit} messages behind. */
        void tooSlow(Socket socket);
    }

    private final Events events;
    private final int outboxLimit;
    final Map<String, LiveSubscription> subscriptions = new ConcurrentHashMap<>();
    private volatile Session session;
    private volatile long lastHeardNanos = System.nanoTime();
    /** When the server asked to close, so a peer that never takes the close frame can be cut off. */
    private volatile long closeRequestedNanos;

    // The outbox, guarded by this. Created on first need: an idle socket carries no queue.
    private ArrayDeque<String> outbox;
    private boolean writing;
    private boolean closing;
    private boolean ended;
    /** Non-zero: the close code to send once the outbox is written. */
    private int closeAfterQueued;
    private String closeReason;

    volatile UUID userId;
    volatile Instant expiresAt;
    volatile ScheduledFuture<?> authTimer;
    volatile ScheduledFuture<?> expiryWarning;
    volatile ScheduledFuture<?> expiry;
    private long windowStart;
    private int messagesInWindow;

    Socket(Events events, int outboxLimit) {
        this.events = events;
        this.outboxLimit = outboxLimit;
    }

    @Override
    public void onWebSocketOpen(Session session) {
        this.session = session;
        events.opened(this);
    }

    @Override
    public void onWebSocketText(String text) {
        heard();
        events.message(this, text);
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, Callback callback) {
        heard();
        callback.succeed();
        close(CloseCodes.BAD_DATA, "messages are JSON text frames");
    }

    @Override
    public void onWebSocketPong(ByteBuffer payload) {
        heard();
    }

    @Override
    public void onWebSocketPing(ByteBuffer payload) {
        heard();
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        ended();
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        log.debug("a socket failed", cause);
        ended();
    }

    private void heard() {
        lastHeardNanos = System.nanoTime();
    }

    /** Nanoseconds (of {@link System#nanoTime()}) since the peer last sent anything. */
    long silentForNanos(long nowNanos) {
        return nowNanos - lastHeardNanos;
    }

    /** Nanoseconds since the server asked to close the socket; 0 while it has not. */
    long closingForNanos(long nowNanos) {
        long requested = closeRequestedNanos;
        return requested == 0 ? 0 : nowNanos - requested;
    }

    /**
     * Queues a message; false when the socket is closing, or its reader is too slow to keep up (the
     * socket is then closed).
     */
    boolean send(String message) {
        boolean overflowed;
        synchronized (this) {
            if (closing) {
                return false;
            }
            overflowed = writing && outbox != null && outbox.size() >= outboxLimit;
            if (writing && !overflowed) {
                if (outbox == null) {
                    outbox = new ArrayDeque<>();
                }
                outbox.add(message);
                return true;
            }
            writing = true;
        }
        if (overflowed) {
            log.debug("a socket's outbox overflowed; closing it");
            events.tooSlow(this);
            closeNow(CloseCodes.TOO_SLOW, TOO_SLOW_REASON);
            return false;
        }
        writeFrom(message);
        return true;
    }

    /**
     * Writes {@code first} and then whatever is queued, until the outbox is empty. A frame Jetty
     * writes at once completes inline and the loop goes on; one that must wait for the peer
     * completes later, and its callback carries on from there.
     */
    private void writeFrom(String first) {
        String next = first;
        while (next != null) {
            var frame = new FrameWrite();
            session.sendText(next, frame);
            if (!frame.completedInline()) {
                return;
            }
            next = nextQueued();
        }
    }

    /** The next message to write, or null when the outbox is empty (then a requested close goes out). */
    private String nextQueued() {
        int code;
        String reason;
        synchronized (this) {
            String next = outbox == null ? null : outbox.poll();
            if (next != null) {
                return next;
            }
            writing = false;
            if (closeAfterQueued == 0) {
                return null;
            }
            code = closeAfterQueued;
            reason = closeReason;
            closeAfterQueued = 0;
        }
        closeSession(code, reason);
        return null;
    }

    /** One frame's write; tells a completion during {@code sendText} from a later one. */
    private final class FrameWrite extends AtomicInteger implements Callback {
        private static final int PENDING = 0;
        private static final int RETURNED = 1;
        private static final int SUCCEEDED = 2;
        private static final int FAILED = 3;

        /** Called once {@code sendText} returned: true when the frame was written meanwhile. */
        boolean completedInline() {
            return !compareAndSet(PENDING, RETURNED) && get() == SUCCEEDED;
        }

        @Override
        public void succeed() {
            if (!compareAndSet(PENDING, SUCCEEDED)) {
                writeFrom(nextQueued());
            }
        }

        @Override
        public void fail(Throwable cause) {
            log.debug("a frame could not be written; dropping the connection", cause);
            set(FAILED);
            disconnect();
        }
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
        return messagesInWindow > 2L * perSecond ? 2 : 1;
    }

    /**
     * Closes the socket with {@code code} after the messages already queued (an error that explains
     * the close, say). Nothing queued later is sent.
     */
    void close(int code, String reason) {
        boolean afterQueued;
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            afterQueued = writing;
            if (afterQueued) {
                // The writer sends the close when the outbox is empty.
                closeAfterQueued = code;
                closeReason = reason;
                closeRequestedNanos = System.nanoTime();
            }
        }
        cancelTimers();
        if (!afterQueued) {
            closeSession(code, reason);
        }
    }

    /** Closes the socket with {@code code} at once, dropping what is queued. */
    private void closeNow(int code, String reason) {
        stopSending();
        cancelTimers();
        closeSession(code, reason);
    }

    private void closeSession(int code, String reason) {
        if (closeRequestedNanos == 0) {
            closeRequestedNanos = System.nanoTime();
        }
        try {
            session.close(code, reason, Callback.NOOP);
        } catch (RuntimeException e) {
            log.debug("closing a socket that is already gone", e);
        }
    }

    /** Sends a ping; the peer's pong counts as being heard from. */
    void ping() {
        try {
            session.sendPing(ByteBuffer.allocate(0), Callback.NOOP);
        } catch (RuntimeException e) {
            log.debug("pinging a socket that is already gone", e);
        }
    }

    /** From now on nothing more is queued or written, not even a close that was waiting for the queue. */
    private synchronized void stopSending() {
        closing = true;
        writing = false;
        outbox = null;
        closeAfterQueued = 0;
    }

    /** Drops the connection without a closing handshake: for a peer that no longer answers. */
    void disconnect() {
        stopSending();
        cancelTimers();
        try {
            session.disconnect();
        } catch (RuntimeException e) {
            log.debug("disconnecting a socket that is already gone", e);
        }
    }

    /** The connection ended (closed by either side, or failed): forget it. Called once per end. */
    private void ended() {
        synchronized (this) {
            if (ended) {
                return;
            }
            ended = true;
            stopSending();
        }
        cancelTimers();
        events.closed(this);
    }

    boolean isOpen() {
        synchronized (this) {
            return !closing;
        }
    }

    void cancelTimers() {
        for (var timer : new ScheduledFuture<?>[] {authTimer, expiryWarning, expiry}) {
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }
}
