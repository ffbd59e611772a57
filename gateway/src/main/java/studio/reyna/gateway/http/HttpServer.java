package studio.reyna.gateway.http;

import io.javalin.Javalin;
import io.javalin.config.RoutesConfig;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson3;
import io.micrometer.core.instrument.MeterRegistry;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.handler.GracefulHandler;
import jakarta.servlet.Servlet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import studio.reyna.core.problem.ProblemException;
import studio.reyna.gateway.auth.Authentication;
import studio.reyna.gateway.limit.RequestLimits;
import tools.jackson.databind.json.JsonMapper;

/** Builds the HTTP server: settings, the error mapping, authentication, rate limits, then each feature's routes. */
public final class HttpServer {
    private HttpServer() {
    }

    /** How long a stopping server waits for requests in flight before it closes their connections. */
    public static final java.time.Duration STOP_TIMEOUT = java.time.Duration.ofSeconds(20);

    /** Where and how the server listens. */
    public record Settings(String host, int port, long maxBodyBytes) {
    }

    /**
     * @param features each adds its routes
     * @param servlets servlets that answer an exact path themselves, beside Javalin's routes (the
     *                 WebSocket endpoint): no authentication or request id applies to them
     */
    public static Javalin create(Settings settings, JsonMapper json, Authentication authentication, RequestLimits limits,
                                 List<Consumer<RoutesConfig>> features, Map<String, Servlet> servlets, MeterRegistry metrics) {
        var problems = new Problems(json, metrics);
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.concurrency.useVirtualThreads = true;
            config.jetty.host = settings.host();
            config.jetty.port = settings.port();
            // Bodies are read by JsonBody with the studio's own limit; this only keeps Javalin from refusing first.
            config.http.maxRequestSize = settings.maxBodyBytes() + 1;
            config.http.prefer405over404 = true;
            config.jsonMapper(new JavalinJackson3(json, true));
            config.requestLogger.http(new RequestLog(metrics));
            config.jetty.modifyServer(server -> {
                server.setErrorHandler(new JettyProblems());
                // Stopping closes the listening socket at once and lets requests in flight finish.
                server.setStopTimeout(STOP_TIMEOUT.toMillis());
            });
            config.jetty.modifyServletContextHandler(context -> {
                servlets.forEach((path, servlet) -> context.addServlet(new ServletHolder(servlet), path));
                context.insertHandler(new GracefulHandler());
            });
            // An Error (say a StackOverflowError deep in a library) still answers as a problem, not a dropped connection.
            config.router.javaLangErrorHandler((response, error) -> problems.fatal(response, error));
            WebUi.serve(config);
            var routes = config.routes;
            routes.before(RequestIds::assign);
            routes.before("/api/v1/*", authentication::require);
            routes.before("/api/v1/*", limits::check);
            routes.exception(ProblemException.class, problems::expected);
            routes.exception(HttpResponseException.class, problems::http);
            routes.exception(Exception.class, problems::unexpected);
            routes.error(404, ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty()) {
                    problems.write(ctx, 404, "not-found", "Not found", "there is nothing at " + ctx.path(), List.of());
                }
            });
            routes.error(405, ctx -> problems.write(ctx, 405, "method-not-allowed", "Method not allowed",
                    ctx.method() + " is not allowed on " + ctx.path(), List.of()));
            features.forEach(feature -> feature.accept(routes));
        });
    }
}
