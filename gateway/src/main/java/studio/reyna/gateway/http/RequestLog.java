package studio.reyna.gateway.http;

import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line and one timing per HTTP request: request id, user, method, route, status and
 * latency. The route is the matched template ({@code /api/v1/blobs/{id}}), never the path itself,
 * so neither ids nor anything else a client sends reach the log or the metric's labels; headers,
 * query strings and bodies (where tokens and passwords travel) are not logged at all.
 */
public final class RequestLog implements RequestLogger {
    /** The logger operators filter on: one INFO line per request. */
    private static final Logger log = LoggerFactory.getLogger("studio.reyna.requests");
    /**
     * What the route is called when no route ran: a 404, a file of the web UI, or a request refused
     * before its route (401 without a valid token, 429 over a rate limit).
     */
    static final String UNMATCHED = "unmatched";

    /** Built once: each request only looks up (or adds) the timer of its method, route and status. */
    private final Meter.MeterProvider<Timer> requests;

    public RequestLog(MeterRegistry metrics) {
        this.requests = Timer.builder("reyna.http.requests")
                .description("HTTP requests by method, matched route and status")
                .withRegistry(metrics);
    }

    @Override
    public void handle(Context ctx, Float milliseconds) {
        String route = route(ctx);
        int status = ctx.statusCode();
        requests.withTags("method", ctx.method().name(), "route", route, "status", Integer.toString(status))
                .record((long) (milliseconds * 1_000_000), TimeUnit.NANOSECONDS);
        UUID user = Caller.find(ctx);
        var line = log.atInfo().addKeyValue("requestId", RequestIds.of(ctx));
        if (user != null) {
            line = line.addKeyValue("userId", user);
        }
        line.addKeyValue("method", ctx.method().name())
                .addKeyValue("route", route)
                .addKeyValue("status", status)
                .addKeyValue("latencyMs", Math.round(milliseconds * 10) / 10.0)
                .log("{} {} {}", ctx.method().name(), route, status);
    }

    /** The matched route template, or {@link #UNMATCHED}: what logs and reports name instead of the path. */
    static String route(Context ctx) {
        var endpoint = ctx.endpoints().matchedHttpEndpoint();
        if (endpoint == null || !endpoint.method.isHttpMethod()) {
            return UNMATCHED;
        }
        return endpoint.path;
    }
}
