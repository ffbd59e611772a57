package studio.reyna.gateway.health;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.db.Database;
import studio.reyna.db.Migrations;

/**
 * {@code /health/live}: the process answers. {@code /health/ready}: it can serve — the database
 * answers and its schema is at the version this build expects. It also details each processor
 * on this node (working or standing by, lag, failures, dead letters, circuit), which never makes
 * the node unready: a processor in trouble is no reason to stop serving the API.
 */
public final class HealthRoutes {
    private final Database database;
    private final String expectedSchemaVersion;
    private final Supplier<List<?>> processors;
    private final Map<String, Supplier<Boolean>> services;

    /**
     * @param services the services besides the database, by name, each saying whether it answers now
     *                 (the bus, Redis when configured): reported, but no reason to be unready, since
     *                 the studio keeps serving without them (events wait in the log, limits count per node)
     */
    public HealthRoutes(Database database, String expectedSchemaVersion, Supplier<List<?>> processors,
                        Map<String, Supplier<Boolean>> services) {
        this.services = services;
        this.database = database;
        this.expectedSchemaVersion = expectedSchemaVersion;
        this.processors = processors;
    }

    public void routes(RoutesConfig routes) {
        routes.get("/health/live", ctx -> ctx.json(Map.of("status", "up")));
        routes.get("/health/ready", this::ready);
    }

    private void ready(Context ctx) {
        var checks = new LinkedHashMap<String, Object>();
        boolean reachable = database.isReachable();
        checks.put("database", Map.of("status", reachable ? "up" : "down"));
        boolean migrated = false;
        if (reachable) {
            String applied = appliedVersion(database.jdbi());
            migrated = Migrations.isAtLeast(applied, expectedSchemaVersion);
            checks.put("migrations", Map.of("status", migrated ? "up" : "down", "applied", applied,
                    "expected", expectedSchemaVersion));
        } else {
            checks.put("migrations", Map.of("status", "unknown"));
        }
        services.forEach((name, up) -> checks.put(name, Map.of("status", up.get() ? "up" : "down")));
        checks.put("processors", Map.of("status", "up", "details", processors.get()));
        boolean ready = reachable && migrated;
        ctx.status(ready ? 200 : 503).json(Map.of("status", ready ? "up" : "down", "checks", checks));
    }

    private static String appliedVersion(Jdbi jdbi) {
        try {
            return Migrations.appliedVersion(jdbi);
        } catch (RuntimeException e) {
            return "none";
        }
    }
}
