package studio.reyna.gateway.realtime;

import io.javalin.config.RoutesConfig;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsContext;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.gateway.auth.AccessTokens;
import studio.reyna.state.bucket.Buckets;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code GET /api/v1/ws}: the real-time protocol (docs/asyncapi.yaml). The first message must be
 * {@code auth} with an access token; the same message later refreshes it in-band. Before the token
 * expires the socket hears {@code auth_expiring}, and at expiry it is closed with 4001.
 */
public final class RealtimeRoutes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RealtimeRoutes.class);
    private static final String SOCKET = "reyna.socket";

    /** The protocol's limits. */
    public record Settings(Duration authTimeout, int messagesPerSecond, int outboxSize, Duration expiryWarning,
                           Duration pingInterval) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(5), 10, 1_000, Duration.ofSeconds(60), Duration.ofSeconds(20));
        }
    }

    private final RealtimeHub hub;
    private final AccessTokens tokens;
    private final Buckets buckets;
    private final ObjectMapper json;
    private final Settings settings;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("ws-timers").daemon().factory());

    public RealtimeRoutes(RealtimeHub hub, AccessTokens tokens, Buckets buckets, ObjectMapper json, Settings settings) {
        this.hub = hub;
        this.tokens = tokens;
        this.buckets = buckets;
        this.json = json;
        this.settings = settings;
    }

    public void routes(RoutesConfig routes) {
        routes.ws("/api/v1/ws", this::configure);
    }

    private void configure(WsConfig ws) {
        ws.onConnect(ctx -> {
            ctx.enableAutomaticPings(settings.pingInterval().toMillis(), TimeUnit.MILLISECONDS);
            var socket = new Socket(ctx, settings.outboxSize());
            ctx.attribute(SOCKET, socket);
            hub.opened();
            socket.authTimer = timers.schedule(() -> {
                if (socket.userId == null) {
                    socket.close(CloseCodes.AUTH_TIMEOUT, "send auth {token} first, within "
                            + settings.authTimeout().toSeconds() + " s");
                }
            }, settings.authTimeout().toMillis(), TimeUnit.MILLISECONDS);
        });
        ws.onMessage(ctx -> onMessage(ctx, ctx.message()));
        ws.onClose(ctx -> closed(ctx));
        ws.onError(ctx -> closed(ctx));
    }

    private void closed(WsContext ctx) {
        Socket socket = ctx.attribute(SOCKET);
        if (socket != null) {
            socket.closed();
            hub.closed(socket);
        }
        ctx.attribute(SOCKET, null);
    }

    private void onMessage(WsContext ctx, String text) {
        Socket socket = ctx.attribute(SOCKET);
        if (socket == null || !socket.isOpen()) {
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
                socket.subscriptions.remove(id);
                socket.send(hub.write(hub.message("unsubscribed").put("id", id)));
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
                buckets.get(socket.userId, bucketId);
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
        Thread.ofVirtual().name("ws-replay").start(() -> {
            try {
                hub.subscribe(socket, subscription);
            } catch (RuntimeException e) {
                log.warn("replaying events for subscription {} failed", id, e);
                socket.subscriptions.remove(id);
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
