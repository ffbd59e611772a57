package studio.reyna.gateway.realtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.event.Event;
import studio.reyna.events.EventLog;
import studio.reyna.events.bus.EventBus;
import studio.reyna.state.bucket.BucketTree;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Delivers events to the sockets of this node. It takes every event from the bus once and hands
 * it to the subscriptions that may see it and whose filter matches; a socket that resumes first
 * gets the stored events after its cursor from the log, then live ones (see {@link LiveSubscription}).
 *
 * <p>Who may see an event: its owner and its audience, the users the bucket was shared with when
 * the change was written ({@link Event#isFor}); that is decided in the writing transaction, so a
 * revoked share or a bucket moved out of a shared subtree stops delivery from the next change on.
 */
public final class RealtimeHub implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RealtimeHub.class);
    private static final int REPLAY_PAGE = 500;
    /** From this many sockets of one user on, an event is handed to them from several threads. */
    private static final int PARALLEL_FAN_OUT = 512;

    private final EventLog events;
    private final BucketTree tree;
    private final ObjectMapper json;
    private final Map<UUID, Set<Socket>> socketsByUser = new ConcurrentHashMap<>();
    private final EventBus.Subscription subscription;

    private final Timer deliveryLatency;

    public RealtimeHub(EventBus bus, EventLog events, BucketTree tree, ObjectMapper json, MeterRegistry metrics) {
        this.events = events;
        this.tree = tree;
        this.json = json;
        this.deliveryLatency = Timer.builder("reyna.event.delivery")
                .description("from the commit of an event to its hand-over to a subscribed socket of this node")
                .publishPercentileHistogram()
                .register(metrics);
        this.subscription = bus.subscribe(">", this::dispatch);
    }

    /** Sockets of {@code userId} on this node that have authenticated. */
    int socketsOf(UUID userId) {
        var sockets = socketsByUser.get(userId);
        return sockets == null ? 0 : sockets.size();
    }

    void register(Socket socket) {
        socketsByUser.computeIfAbsent(socket.userId, id -> ConcurrentHashMap.newKeySet()).add(socket);
        // The socket may have ended while it was being registered: then nothing else removes it.
        if (!socket.isOpen()) {
            closed(socket);
        }
    }

    void closed(Socket socket) {
        if (socket.userId != null) {
            socketsByUser.computeIfPresent(socket.userId, (id, sockets) -> {
                sockets.remove(socket);
                return sockets.isEmpty() ? null : sockets;
            });
        }
    }

    private void dispatch(Event event) {
        if (event.type().equals("bucket.moved") || event.type().equals("bucket.deleted")) {
            tree.changed();
        }
        var sockets = new java.util.ArrayList<Socket>();
        addSocketsOf(event.ownerId(), sockets);
        event.audience().forEach(userId -> addSocketsOf(userId, sockets));
        if (sockets.isEmpty()) {
            return;
        }
        // Sockets whose subscriptions share an id get the very same message: serialise it once.
        var messages = new ConcurrentHashMap<String, String>();
        // A large fan-out is spread over the cores (the stream ends only when every socket has had
        // the event, so no socket can get the next event first).
        (sockets.size() >= PARALLEL_FAN_OUT ? sockets.parallelStream() : sockets.stream())
                .forEach(socket -> deliver(socket, event, messages));
    }

    private void deliver(Socket socket, Event event, Map<String, String> messages) {
        // The sockets were picked by the event's owner and audience; checked again, once per socket.
        if (!maySee(socket.userId, event)) {
            return;
        }
        for (LiveSubscription subscription : socket.subscriptions.values()) {
            if (matches(subscription, event)) {
                subscription.live(event, e -> socket.send(e == event
                        ? messages.computeIfAbsent(subscription.id, id -> eventMessage(subscription, e))
                        : eventMessage(subscription, e)));
                deliveryLatency.record(Math.max(0, Duration.between(event.time(), Instant.now()).toNanos()),
                        TimeUnit.NANOSECONDS);
            }
        }
    }

    private void addSocketsOf(UUID userId, List<Socket> into) {
        var sockets = socketsByUser.get(userId);
        if (sockets != null) {
            into.addAll(sockets);
        }
    }

    private static boolean maySee(UUID userId, Event event) {
        return event.isFor(userId);
    }

    private boolean matches(LiveSubscription subscription, Event event) {
        if (subscription.schemaId != null && !subscription.schemaId.equals(event.schemaId())) {
            return false;
        }
        if (subscription.bucketId == null) {
            return true;
        }
        if (event.bucketId() == null) {
            return false;
        }
        if (event.bucketId().equals(subscription.bucketId) || tree.isWithin(event.bucketId(), subscription.bucketId)) {
            return true;
        }
        // A deleted bucket has no ancestry left; its event names the parent it was in.
        var parent = event.data() == null ? null : event.data().path("parentId");
        return parent != null && parent.isString() && tree.isWithin(UUID.fromString(parent.asString()), subscription.bucketId);
    }

    /**
     * Starts a subscription: replays the stored events after {@code since} (the latest cursor when
     * null) that the socket may see, then goes live. Runs on the caller's (virtual) thread.
     */
    void subscribe(Socket socket, LiveSubscription subscription) {
        long latest = events.latestCursor();
        long oldest = events.oldestCursor();
        boolean forgotten = oldest > 0 && subscription.lastCursor() < oldest - 1;
        if (subscription.lastCursor() > latest || forgotten) {
            // Events after the cursor were deleted (past retention), or the cursor is from the
            // future (the log was reset, or the cursor is not ours): no gap-free replay is possible.
            socket.subscriptions.remove(subscription.id, subscription);
            socket.send(json.writeValueAsString(message("resync_required").put("sub", subscription.id)));
            return;
        }
        String subscribed = json.writeValueAsString(message("subscribed").put("id", subscription.id)
                .put("cursor", subscription.lastCursor()));
        if (!subscription.ifActive(() -> socket.send(subscribed))) {
            return;
        }
        // An unsubscribe during the replay ends it.
        while (socket.isOpen() && isCurrent(socket, subscription)) {
            var page = events.readVisible(socket.userId, subscription.lastCursor(), REPLAY_PAGE);
            for (Event event : page) {
                if (matches(subscription, event)) {
                    subscription.replayed(event, e -> socket.send(eventMessage(subscription, e)));
                } else {
                    // Skipped events still move the subscription on, so the next page starts after them.
                    subscription.replayed(event, e -> { });
                }
            }
            if (page.size() < REPLAY_PAGE) {
                break;
            }
        }
        if (!isCurrent(socket, subscription)) {
            return;
        }
        if (!subscription.goLive(e -> socket.send(eventMessage(subscription, e)))) {
            socket.subscriptions.remove(subscription.id, subscription);
            socket.send(json.writeValueAsString(message("resync_required").put("sub", subscription.id)));
        }
    }

    private static boolean isCurrent(Socket socket, LiveSubscription subscription) {
        return socket.subscriptions.get(subscription.id) == subscription;
    }

    long latestCursor() {
        return events.latestCursor();
    }

    private String eventMessage(LiveSubscription subscription, Event event) {
        var message = message("event").put("sub", subscription.id).put("cursor", event.cursor());
        ObjectNode envelope = json.valueToTree(event);
        // Who else sees an event is nobody's business but the owner's.
        envelope.remove("audience");
        message.set("event", envelope);
        return json.writeValueAsString(message);
    }

    ObjectNode message(String type) {
        return json.createObjectNode().put("type", type);
    }

    String write(ObjectNode message) {
        return json.writeValueAsString(message);
    }

    /** Tells every socket of this node that the server is going away. */
    @Override
    public void close() {
        subscription.close();
        socketsByUser.values().forEach(sockets -> sockets.forEach(
                socket -> socket.close(CloseCodes.GOING_AWAY, "the server is shutting down; reconnect and resume")));
        log.debug("real-time hub closed");
    }
}
