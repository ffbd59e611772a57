package studio.reyna.gateway.blob;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.http.Responses;
import studio.reyna.state.blob.Blob;
import studio.reyna.state.blob.Blobs;
import studio.reyna.state.blob.NewBlob;

/** {@code /blobs} and creating a blob in a bucket. Every blob response carries its version as ETag. */
public final class BlobRoutes {
    private final Blobs blobs;
    private final RequestBodies bodies;

    public BlobRoutes(Blobs blobs, RequestBodies bodies) {
        this.blobs = blobs;
        this.bodies = bodies;
    }

    public void routes(RoutesConfig routes) {
        routes.post("/api/v1/buckets/{bucketId}/blobs", this::create);
        routes.get("/api/v1/blobs/{blobId}", this::get);
        routes.put("/api/v1/blobs/{blobId}", this::replace);
        routes.patch("/api/v1/blobs/{blobId}", this::move);
        routes.delete("/api/v1/blobs/{blobId}", this::delete);
    }

    private void create(Context ctx) {
        var caller = Caller.id(ctx);
        var bucketId = JsonBody.pathId(ctx, "bucketId", "bucket");
        var body = bodies.read(ctx);
        var blob = blobs.create(caller, bucketId,
                new NewBlob(body.text("schemaId"), body.integer("schemaVersion"), body.node("data")));
        ctx.header("ETag", Responses.etag(blob.version()));
        Responses.created(ctx, "/api/v1/blobs/" + blob.id(), BlobView.of(blob));
    }

    private void get(Context ctx) {
        respond(ctx, blobs.read(Caller.principal(ctx), JsonBody.pathId(ctx, "blobId", "blob"), schemaVersion(ctx)));
    }

    /** {@code ?schemaVersion=k}: the version of its schema to read a blob at (absent: the latest). */
    public static Integer schemaVersion(Context ctx) {
        String text = ctx.queryParam("schemaVersion");
        if (text == null) {
            return null;
        }
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw ValidationException.of("/schemaVersion", "schemaVersion must be a whole number");
        }
    }

    private void replace(Context ctx) {
        var caller = Caller.id(ctx);
        var blobId = JsonBody.pathId(ctx, "blobId", "blob");
        Long expected = Responses.ifMatch(ctx, true);
        var body = bodies.read(ctx);
        respond(ctx, blobs.replace(caller, blobId, expected, body.node("data"), body.integer("schemaVersion")));
    }

    /** {@code PATCH {bucketId}}: moves the blob; {@code If-Match} is optional, as for a delete. */
    private void move(Context ctx) {
        var body = bodies.read(ctx);
        respond(ctx, blobs.move(Caller.id(ctx), JsonBody.pathId(ctx, "blobId", "blob"), Responses.ifMatch(ctx, false),
                body.uuid("bucketId")));
    }

    private void delete(Context ctx) {
        var caller = Caller.id(ctx);
        blobs.delete(caller, JsonBody.pathId(ctx, "blobId", "blob"), Responses.ifMatch(ctx, false));
        ctx.status(204);
    }

    /** A blob as the API shows it, for answers that hold several. */
    public static Object view(Blob blob) {
        return BlobView.of(blob);
    }

    /** A blob with its version as the ETag. */
    public static void respond(Context ctx, Blob blob) {
        ctx.header("ETag", Responses.etag(blob.version()));
        ctx.json(BlobView.of(blob));
    }
}
