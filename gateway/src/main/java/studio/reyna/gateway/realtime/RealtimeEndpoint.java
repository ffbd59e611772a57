package studio.reyna.gateway.realtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.ee10.websocket.server.JettyWebSocketServletFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.gateway.auth.AccessTokens;
import studio.reyna.gateway.http.Problems;
import studio.reyna.state.access.Principal;
import studio.reyna.state.bucket.Buckets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code GET /api/v1/ws}: the real-time protocol (docs/asyncapi.yaml). The first message must be
 * {@code auth} with an access token; the same message later refreshes it in-band. Before the token
 * expires the socket hears {@code auth_expiring}, and at expiry it is closed with 4001.
 *
 * <p>A Jetty WebSocket servlet of its own (not a Javalin route), because keeping sockets healthy
 * needs what Javalin does not pass on: the peer's pongs (a peer silent for three pings is
 * dropped), and the upgrade request itself (past {@link Settings#maxSockets} an upgrade is
 * refused with 503 while the node still has files left for HTTP, the database and its own work).
 */
public final class RealtimeEndpoint implements Socket.Events, AutoCloseable {
    public static final String PATH = "/api/v1/ws";
    private static final Logger log = LoggerFactory.getLogger(RealtimeEndpoint.class);
    /** Pings a peer may leave unanswered before it counts as gone. */
    private static final int MISSED_PINGS = 3;

    /**
     * The protocol's limits. The server pings every {@code pingInterval}; a socket silent for three
     * of them is dropped, as is one whose close the peer has not taken for one.
     */
    public record Settings(Duration authTimeout, int messagesPerSecond, int outboxSize, Duration expiryWarning,
                           Duration pingInterval, int maxSockets, int maxSocketsPerUser) {
    }

    private final RealtimeHub hub;
    private final AccessTokens tokens;
    private final Buckets buckets;
    private final ObjectMapper json;
    private final Problems problems;
    private final Settings settings;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicInteger upgrading = new java.util.concurrent.atomic.AtomicInteger();
    private final Counter refused;
    private final Counter droppedTooSlow;
    private final Counter droppedSilent;
    private final ScheduledExecutorService timers = timers();

    public RealtimeEndpoint(RealtimeHub hub, AccessTokens tokens, Buckets buckets, ObjectMapper json, Settings settings,
                            MeterRegistry metrics) {
        this.hub = hub;
        this.tokens = tokens;
        this.buckets = buckets;
        this.json = json;
        this.problems = new Problems(json, metrics);
        this.settings = settings;
        Gauge.builder("reyna.websocket.connections", sockets, Set::size)
                .description("WebSockets open on this node").register(metrics);
        this.refused = Counter.builder("reyna.websocket.refused")
                .description("WebSocket upgrades refused because the node held its maximum").register(metrics);
        this.droppedTooSlow = dropped(metrics, "too_slow");
        this.droppedSilent = dropped(metrics, "silent");
        long ping = settings.pingInterval().toMillis();
        timers.scheduleAtFixedRate(this::heartbeat, ping, ping, TimeUnit.MILLISECONDS);
    }

    /** One timer thread; a cancelled timer (a socket that closed) is dropped at once, not kept until it was due. */
    private static ScheduledExecutorService timers() {
        var timers = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("ws-timers").daemon().factory());
        timers.setRemoveOnCancelPolicy(true);
        return timers;
    }

    private static Counter dropped(MeterRegistry metrics, String reason) {
        return Counter.builder("reyna.websocket.dropped").tag("reason", reason)
                .description("WebSockets the server dropped: too slow to read (4008), or silent for three pings")
                .register(metrics);
    }

    /** The servlet to mount at {@link #PATH}. */
    public jakarta.servlet.Servlet servlet() {
        return new Servlet();
    }

    private final class Servlet extends JettyWebSocketServlet {
        @Override
        protected void configure(JettyWebSocketServletFactory factory) {
            // The heartbeat decides when a peer is gone; Jetty's idle timeout is only a backstop.
            factory.setIdleTimeout(settings.pingInterval().multipliedBy(MISSED_PINGS + 2));
            factory.setMaxTextMessageSize(64 * 1024);
            factory.setCreator((request, response) -> new Socket(RealtimeEndpoint.this, settings.outboxSize()));
        }

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws jakarta.servlet.ServletException, IOException {
            if (!"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
                response.setHeader("Upgrade", "websocket");
                problems.write(response, PATH, 426, "upgrade-required", "Upgrade required",
                        "this is the real-time WebSocket; connect with a WebSocket client (see docs/asyncapi.yaml)");
                return;
            }
            // Upgrades in progress count too, so a burst of them cannot all pass the check at once.
            try {
                if (upgrading.incrementAndGet() + sockets.size() > settings.maxSockets()) {
                    refused.increment();
                    response.setHeader("Retry-After", "10");
                    problems.write(response, PATH, 503, "unavailable", "Service unavailable",
                            "this node holds as many WebSockets as it may (" + settings.maxSockets()
                                    + "); try again later, or another node");
                    return;
                }
                super.service(request, response);
            } finally {
                upgrading.decrementAndGet();
            }
        }
    }

    @Override
    public void opened(Socket socket) {
        sockets.add(socket);
        socket.authTimer = timers.schedule(() -> {
            if (socket.userId == null) {
                socket.close(CloseCodes.AUTH_TIMEOUT, "send auth {token} first, within "
                        + settings.authTimeout().toSeconds() + " s");
            }
        }, settings.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void closed(Socket socket) {
        sockets.remove(socket);
        hub.closed(socket);
    }

    @Override
    public void tooSlow(Socket socket) {
        droppedTooSlow.increment();
    }

    /**
     * Pings every socket; drops the ones that have not been heard from for {@value #MISSED_PINGS}
     * pings, and the ones whose close the peer has not taken within one interval.
     */
    private void heartbeat() {
        long now = System.nanoTime();
        long interval = settings.pingInterval().toNanos();
        for (Socket socket : sockets) {
            try {
                if (socket.silentForNanos(now) >= MISSED_PINGS * interval) {
                    log.debug("dropping a socket whose peer stopped answering");
                    droppedSilent.increment();
                    socket.disconnect();
                } else if (socket.closingForNanos(now) >= interval) {
                    log.debug("cutting off a socket whose peer did not take the close");
                    socket.disconnect();
                } else if (socket.isOpen()) {
                    socket.ping();
                }
            } catch (RuntimeException e) {
                log.warn("the heartbeat of a socket failed", e);
            }
        }
    }

    @Override
    public void message(Socket socket, String text) {
        if (!socket.isOpen()) {
            return;
        }
        int limit = socket.countMessage(settings.messagesPerSecond(), System.currentTimeMillis());
        if (limit == 2) {
            socket.close(CloseCodes.POLICY, "more than " + settings.messagesPerSecond() + " messages per second");
            return;
        }
        if (limit == 1) {
            error(socket, "rate_limited", "at most " + settings.messagesPerSecond() + " messages per second", null);
            return;
        }
        JsonNode message;
        try {
            message = json.readTree(text);
        } catch (JacksonException e) {
            error(socket, "bad_message", "messages are JSON objects with a type", null);
            return;
        }
        String type = message.path("type").isString() ? message.path("type").asString() : "";
        if (socket.userId == null && !type.equals("auth")) {
            socket.close(CloseCodes.UNAUTHORIZED, "the first message must be auth {token}");
            return;
        }
        switch (type) {
            case "auth" -> auth(socket, message);
            case "subscribe" -> subscribe(socket, message);
            case "unsubscribe" -> {
                String id = message.path("id").asString("");
                String answer = hub.write(hub.message("unsubscribed").put("id", id));
                var ended = socket.subscriptions.remove(id);
                if (ended != null) {
                    // Under the subscription's lock: after its "subscribed" and events, before nothing of it.
                    ended.end(() -> socket.send(answer));
                } else {
                    socket.send(answer);
                }
            }
            case "ping" -> socket.send(hub.write(hub.message("pong")));
            default -> error(socket, "bad_message", "unknown message type '" + type + "'", null);
        }
    }

    private void auth(Socket socket, JsonNode message) {
        var verified = tokens.verify(message.path("token").asString(""));
        if (verified.isEmpty() || (socket.userId != null && !socket.userId.equals(verified.get().userId()))) {
            socket.close(CloseCodes.UNAUTHORIZED, "the token is invalid or expired");
            return;
        }
        boolean first = socket.userId == null;
        if (first && hub.socketsOf(verified.get().userId()) >= settings.maxSocketsPerUser()) {
            // One account must not take every socket a node can hold.
            socket.close(CloseCodes.TOO_MANY_SOCKETS, "at most " + settings.maxSocketsPerUser()
                    + " sockets per user on one node; close one, or share one socket between screens");
            return;
        }
        socket.userId = verified.get().userId();
        socket.expiresAt = verified.get().expiresAt();
        socket.cancelTimers();
        if (first) {
            hub.register(socket);
        }
        // ready goes first: an auth_expiring due at once must not overtake it.
        socket.send(hub.write(hub.message("ready").put("userId", socket.userId.toString())
                .put("expiresAt", socket.expiresAt.toString())));
        scheduleExpiry(socket);
    }

    private void scheduleExpiry(Socket socket) {
        Instant expiresAt = socket.expiresAt;
        long untilExpiry = Math.max(0, Duration.between(Instant.now(), expiresAt).toMillis());
        long untilWarning = Math.max(0, untilExpiry - settings.expiryWarning().toMillis());
        socket.expiryWarning = timers.schedule(() -> socket.send(hub.write(hub.message("auth_expiring")
                .put("in", Math.max(0, Duration.between(Instant.now(), expiresAt).toSeconds())))),
                untilWarning, TimeUnit.MILLISECONDS);
        socket.expiry = timers.schedule(() -> {
            // Unless a refresh raced this timer: the timer's clock and the wall clock may differ by a few ms,
            // so compare the expiry it was set for, not the time.
            if (socket.expiresAt.equals(expiresAt)) {
                socket.close(CloseCodes.UNAUTHORIZED, "the token expired; reconnect with a fresh one");
            }
        }, untilExpiry, TimeUnit.MILLISECONDS);
    }

    private void subscribe(Socket socket, JsonNode message) {
        String id = message.path("id").isString() ? message.path("id").asString() : "";
        if (id.isEmpty() || id.length() > 64) {
            error(socket, "bad_message", "subscribe needs an id (1-64 characters)", null);
            return;
        }
        if (socket.subscriptions.containsKey(id)) {
            error(socket, "bad_message", "a subscription '" + id + "' exists already", id);
            return;
        }
        if (socket.subscriptions.size() >= 100) {
            error(socket, "too_many_subscriptions", "at most 100 subscriptions per socket", id);
            return;
        }
        UUID bucketId = null;
        if (message.hasNonNull("bucketId")) {
            try {
                bucketId = UUID.fromString(message.path("bucketId").asString(""));
                buckets.get(Principal.user(socket.userId), bucketId);
            } catch (IllegalArgumentException | NotFoundException e) {
                error(socket, "not_found", "there is no bucket " + message.path("bucketId").asString(""), id);
                return;
            }
        }
        String schemaId = message.hasNonNull("schemaId") ? message.path("schemaId").asString("") : null;
        JsonNode since = message.path("since");
        if (!since.isMissingNode() && !since.isNull() && (!since.canConvertToLong() || since.asLong() < 0)) {
            error(socket, "bad_message", "since must be a cursor (a whole number ≥ 0)", id);
            return;
        }
        long from = since.isMissingNode() || since.isNull() ? hub.latestCursor() : since.asLong();
        var subscription = new LiveSubscription(id, bucketId, schemaId, from);
        // Claimed here, on the socket's message thread, so a quick unsubscribe or a second subscribe
        // with the same id sees it; live events wait in it while the replay runs.
        socket.subscriptions.put(id, subscription);
        Thread.ofVirtual().name("ws-replay").start(() -> {
            try {
                hub.subscribe(socket, subscription);
            } catch (RuntimeException e) {
                log.warn("replaying events for subscription {} failed", id, e);
                socket.subscriptions.remove(id, subscription);
                error(socket, "unavailable", "the subscription could not be started; try again", id);
            }
        });
    }

    private void error(Socket socket, String code, String text, String subscriptionId) {
        var message = hub.message("error").put("code", code).put("message", text);
        if (subscriptionId != null) {
            message.put("id", subscriptionId);
        }
        socket.send(hub.write(message));
    }

    @Override
    public void close() {
        timers.shutdownNow();
    }
}
