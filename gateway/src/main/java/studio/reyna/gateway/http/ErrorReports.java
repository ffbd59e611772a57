package studio.reyna.gateway.http;

import io.javalin.http.Context;
import io.sentry.Sentry;

/**
 * Unexpected errors sent to Sentry (or a compatible service) when a DSN is configured. Only the
 * exception and three tags go: the request id (to find its log line), the method and the matched
 * route; never the path, headers, body or user, so no token or content leaves the installation.
 * Without a DSN Sentry is never started and reporting does nothing.
 */
public final class ErrorReports {
    private ErrorReports() {
    }

    /** Starts reporting to {@code dsn}; closing flushes what is queued (at most two seconds) and stops. */
    public static AutoCloseable start(String dsn, String release) {
        Sentry.init(options -> {
            options.setDsn(dsn);
            options.setRelease(release);
            options.setSendDefaultPii(false);
            options.setShutdownTimeoutMillis(2_000);
        });
        return Sentry::close;
    }

    static void report(Throwable error, Context ctx) {
        if (!Sentry.isEnabled()) {
            return;
        }
        Sentry.withScope(scope -> {
            if (ctx != null) {
                scope.setTag("request_id", String.valueOf(RequestIds.of(ctx)));
                scope.setTag("method", ctx.method().name());
                scope.setTag("route", RequestLog.route(ctx));
            }
            Sentry.captureException(error);
        });
    }
}
