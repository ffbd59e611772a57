package studio.reyna.gateway.bucket;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.http.Responses;
import studio.reyna.state.blob.BlobOrder;
import studio.reyna.state.blob.Blobs;
import studio.reyna.state.bucket.BucketPatch;
import studio.reyna.state.bucket.Buckets;

/** {@code /buckets}: the folder tree, and the list of blobs in a bucket. */
public final class BucketRoutes {
    private final Buckets buckets;
    private final Blobs blobs;
    private final RequestBodies bodies;

    public BucketRoutes(Buckets buckets, Blobs blobs, RequestBodies bodies) {
        this.buckets = buckets;
        this.blobs = blobs;
        this.bodies = bodies;
    }

    public void routes(RoutesConfig routes) {
        routes.post("/api/v1/buckets", this::create);
        routes.get("/api/v1/buckets", this::children);
        routes.get("/api/v1/buckets/{bucketId}", this::get);
        routes.patch("/api/v1/buckets/{bucketId}", this::update);
        routes.delete("/api/v1/buckets/{bucketId}", this::delete);
        routes.get("/api/v1/buckets/{bucketId}/blobs", this::blobs);
    }

    private void create(Context ctx) {
        var body = bodies.read(ctx);
        var bucket = buckets.create(Caller.id(ctx), body.text("name"), body.uuid("parentId"));
        Responses.created(ctx, "/api/v1/buckets/" + bucket.id(), bucket);
    }

    private void children(Context ctx) {
        Responses.page(ctx, buckets.children(Caller.principal(ctx), JsonBody.queryId(ctx, "parentId"),
                Responses.pageRequest(ctx)));
    }

    private void get(Context ctx) {
        ctx.json(buckets.get(Caller.principal(ctx), JsonBody.pathId(ctx, "bucketId", "bucket")));
    }

    private void update(Context ctx) {
        var body = bodies.read(ctx);
        boolean move = body.has("parentId");
        var patch = new BucketPatch(body.text("name"), move, move ? body.uuid("parentId") : null);
        if (patch.name() == null && !move) {
            throw ValidationException.of("", "send name (to rename) and/or parentId (to move; null for the top level)");
        }
        ctx.json(buckets.update(Caller.id(ctx), JsonBody.pathId(ctx, "bucketId", "bucket"), patch));
    }

    private void delete(Context ctx) {
        boolean recursive = "true".equalsIgnoreCase(ctx.queryParam("recursive"));
        buckets.delete(Caller.id(ctx), JsonBody.pathId(ctx, "bucketId", "bucket"), recursive);
        ctx.status(204);
    }

    private void blobs(Context ctx) {
        Responses.page(ctx, blobs.list(Caller.principal(ctx), JsonBody.pathId(ctx, "bucketId", "bucket"),
                BlobOrder.parse(ctx.queryParam("sort")), Responses.pageRequest(ctx)));
    }
}
