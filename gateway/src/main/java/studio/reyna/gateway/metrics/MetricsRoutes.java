package studio.reyna.gateway.metrics;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.Supplier;
import studio.reyna.core.problem.UnauthorizedException;

/**
 * {@code /metrics} in the Prometheus text format; with a token set, only for a request that
 * carries it as {@code Authorization: Bearer <token>} (Prometheus's {@code authorization}
 * setting), else 401.
 */
public final class MetricsRoutes {
    private final Supplier<String> scrape;
    private final byte[] token;

    /** @param token the bearer token readers must send, or null for none */
    public MetricsRoutes(Supplier<String> scrape, String token) {
        this.scrape = scrape;
        this.token = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    }

    public void routes(RoutesConfig routes) {
        routes.get("/metrics", this::scrape);
    }

    private void scrape(Context ctx) {
        if (token != null) {
            String given = ctx.header("Authorization");
            // Compared in constant time: how long a wrong guess took tells nothing of the token.
            if (given == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
                ctx.header("WWW-Authenticate", "Bearer realm=\"metrics\"");
                throw new UnauthorizedException("/metrics needs the metrics token (REYNA_METRICS_TOKEN) as a bearer token");
            }
        }
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(scrape.get());
    }
}
