package studio.reyna.gateway.schema;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.http.Responses;
import studio.reyna.schema.NewSchema;
import studio.reyna.schema.Schemas;

/** {@code /schemas}: create, publish versions, read. */
public final class SchemaRoutes {
    private final Schemas schemas;
    private final RequestBodies bodies;
    private final Schemas.ExistingDocuments stored;

    /** {@code stored}: the documents a new version's migration must keep valid (the blobs). */
    public SchemaRoutes(Schemas schemas, RequestBodies bodies, Schemas.ExistingDocuments stored) {
        this.schemas = schemas;
        this.bodies = bodies;
        this.stored = stored;
    }

    public void routes(RoutesConfig routes) {
        routes.post("/api/v1/schemas", this::create);
        routes.get("/api/v1/schemas", this::list);
        routes.get("/api/v1/schemas/{schemaId}", this::latest);
        routes.post("/api/v1/schemas/{schemaId}/versions", this::publish);
        routes.get("/api/v1/schemas/{schemaId}/versions/{version}", this::version);
    }

    private void create(Context ctx) {
        var body = bodies.read(ctx);
        var created = schemas.create(Caller.id(ctx),
                new NewSchema(body.text("id"), body.text("name"), body.text("description"), body.node("schema")));
        Responses.created(ctx, "/api/v1/schemas/" + created.schemaId() + "/versions/1",
                SchemaView.of(schemas.info(created.schemaId()), created));
    }

    private void publish(Context ctx) {
        var body = bodies.read(ctx);
        String id = ctx.pathParam("schemaId");
        var published = schemas.publish(Caller.id(ctx), id, body.node("schema"),
                body.has("migration") ? body.node("migration") : null, stored);
        Responses.created(ctx, "/api/v1/schemas/" + id + "/versions/" + published.version(),
                SchemaView.of(schemas.info(id), published));
    }

    private void list(Context ctx) {
        Caller.id(ctx);
        Responses.page(ctx, schemas.list(Responses.pageRequest(ctx)));
    }

    private void latest(Context ctx) {
        Caller.id(ctx);
        var info = schemas.info(ctx.pathParam("schemaId"));
        ctx.json(SchemaView.of(info, schemas.version(info.id(), info.latestVersion())));
    }

    private void version(Context ctx) {
        Caller.id(ctx);
        var info = schemas.info(ctx.pathParam("schemaId"));
        int version;
        try {
            version = Integer.parseInt(ctx.pathParam("version"));
        } catch (NumberFormatException e) {
            throw new NotFoundException("schema '" + info.id() + "' has no version '" + ctx.pathParam("version") + "'");
        }
        ctx.json(SchemaView.of(info, schemas.version(info.id(), version)));
    }
}
