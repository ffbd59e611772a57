package studio.reyna.gateway.usage;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import studio.reyna.gateway.http.Caller;
import studio.reyna.state.usage.Usage;

/** {@code GET /api/v1/me/usage}: what the caller's content takes, against their quotas. */
public final class UsageRoutes {
    private final Usage usage;

    public UsageRoutes(Usage usage) {
        this.usage = usage;
    }

    public void routes(RoutesConfig routes) {
        routes.get("/api/v1/me/usage", this::mine);
    }

    private void mine(Context ctx) {
        ctx.json(usage.of(Caller.id(ctx)));
    }
}
