package studio.reyna.gateway.metrics;

import io.javalin.config.RoutesConfig;
import java.util.function.Supplier;

/** {@code /metrics} in the Prometheus text format. */
public final class MetricsRoutes {
    private final Supplier<String> scrape;

    public MetricsRoutes(Supplier<String> scrape) {
        this.scrape = scrape;
    }

    public void routes(RoutesConfig routes) {
        routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(scrape.get()));
    }
}
