package studio.reyna.gateway.http;

import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.problem.FieldError;
import io.micrometer.core.instrument.MeterRegistry;
import studio.reyna.core.problem.ProblemException;
import studio.reyna.core.problem.QuotaExceededException;
import studio.reyna.core.problem.TooManyRequestsException;
import studio.reyna.core.problem.RangeNotSatisfiableException;
import studio.reyna.core.problem.UnavailableException;
import studio.reyna.db.SqlErrors;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** Writes every error as an RFC 9457 problem document; the one place errors become responses. */
public final class Problems {
    public static final String CONTENT_TYPE = "application/problem+json";
    private static final Logger log = LoggerFactory.getLogger(Problems.class);

    private final ObjectMapper json;
    private final MeterRegistry metrics;

    public Problems(ObjectMapper json, MeterRegistry metrics) {
        this.json = json;
        this.metrics = metrics;
    }

    public void expected(ProblemException problem, Context ctx) {
        if (problem instanceof TooManyRequestsException limited) {
            metrics.counter("reyna.ratelimit.rejections", "limit", limited.policy()).increment();
            ctx.header("Retry-After", Long.toString(limited.retryAfterSeconds()));
        } else if (problem instanceof QuotaExceededException quota) {
            metrics.counter("reyna.quota.rejections", "quota", quota.limit()).increment();
        } else if (problem instanceof UnavailableException unavailable) {
            ctx.header("Retry-After", Integer.toString(unavailable.retryAfterSeconds()));
        } else if (problem instanceof RangeNotSatisfiableException range) {
            ctx.header("Content-Range", "bytes */" + range.size());
        }
        write(ctx, problem.status(), problem.type(), problem.title(), problem.detail(), problem.errors(), problem.members());
    }

    /** Errors Javalin raises itself (unknown route, wrong method, its own size checks). */
    public void http(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        String type = switch (status) {
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 413 -> "payload-too-large";
            default -> "http-" + status;
        };
        String title = io.javalin.http.HttpStatus.forStatus(status).getMessage();
        write(ctx, status, type, title, status == 404 ? "there is nothing at " + ctx.path() : e.getMessage(), List.of());
    }

    /**
     * A failure nobody expected: logged with the request id, answered without internals. Database
     * races that no service turned into a problem of its own still get an honest status: a row
     * referred to vanished meanwhile (409), or a deadlock or full pool (503, try again).
     */
    public void unexpected(Exception e, Context ctx) {
        if (SqlErrors.isForeignKeyViolation(e)) {
            log.info("request {} {} lost a race with a concurrent change (request id {})", ctx.method(), RequestLog.route(ctx),
                    RequestIds.of(ctx));
            write(ctx, 409, "conflict", "Conflict", "something this request refers to was changed or deleted "
                    + "at the same time; reload and try again", List.of());
            return;
        }
        if (SqlErrors.isTransient(e)) {
            log.warn("request {} {} met a transient database failure (request id {}): {}", ctx.method(), RequestLog.route(ctx),
                    RequestIds.of(ctx), e.getMessage());
            ctx.header("Retry-After", "1");
            write(ctx, 503, "unavailable", "Service unavailable", "the database is busy; try again in a moment", List.of());
            return;
        }
        log.error("request {} {} failed (request id {})", ctx.method(), RequestLog.route(ctx), RequestIds.of(ctx), e);
        ErrorReports.report(e, ctx);
        write(ctx, 500, "internal-error", "Internal server error",
                "the server failed to handle this request; quote request id " + RequestIds.of(ctx) + " when reporting it",
                List.of());
    }

    /** Writes a 500 problem for an {@link Error} that escaped every handler. */
    public void fatal(HttpServletResponse response, Error error) {
        log.error("request failed with a fatal error", error);
        ErrorReports.report(error, null);
        write(response, null, 500, "internal-error", "Internal server error", "the server failed to handle this request");
    }

    /** Writes a problem straight to a servlet response, for requests that never reach a route. */
    public void write(HttpServletResponse response, String path, int status, String type, String title, String detail) {
        ObjectNode body = body(path, status, type, title, detail);
        try {
            response.setStatus(status);
            response.setContentType(CONTENT_TYPE);
            response.getOutputStream().write(json.writeValueAsBytes(body));
        } catch (java.io.IOException | IllegalStateException e) {
            log.debug("could not write a problem", e);
        }
    }

    public void write(Context ctx, int status, String type, String title, String detail, List<FieldError> errors) {
        write(ctx, status, type, title, detail, errors, Map.of());
    }

    private void write(Context ctx, int status, String type, String title, String detail, List<FieldError> errors,
                       Map<String, Object> members) {
        ObjectNode body = body(ctx.path(), status, type, title, detail);
        members.forEach((name, value) -> body.set(name, json.valueToTree(value)));
        if (!errors.isEmpty()) {
            var array = body.putArray("errors");
            errors.forEach(error -> array.addObject().put("pointer", error.pointer()).put("message", error.message()));
        }
        String requestId = RequestIds.of(ctx);
        if (requestId != null) {
            body.put("requestId", requestId);
        }
        ctx.status(status).contentType(CONTENT_TYPE).result(json.writeValueAsBytes(body));
    }

    private ObjectNode body(String path, int status, String type, String title, String detail) {
        ObjectNode body = json.createObjectNode()
                .put("type", "urn:reyna:problem:" + type)
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
        if (path != null) {
            body.put("instance", path);
        }
        return body;
    }
}
