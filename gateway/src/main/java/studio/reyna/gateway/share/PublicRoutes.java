package studio.reyna.gateway.share;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import studio.reyna.gateway.attachment.AttachmentRoutes;
import studio.reyna.gateway.blob.BlobRoutes;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.Responses;
import studio.reyna.state.access.Principal;
import studio.reyna.state.attachment.Attachments;
import studio.reyna.state.blob.BlobOrder;
import studio.reyna.state.blob.Blobs;
import studio.reyna.state.bucket.Buckets;
import studio.reyna.state.share.Links;

/**
 * {@code /public/{token}}: a bucket's subtree, read-only, for anyone holding a link and no
 * account. The same services answer as for users; the link is just another principal that may
 * read one subtree. An unknown, expired or revoked token answers 404.
 */
public final class PublicRoutes {
    private final Links links;
    private final Buckets buckets;
    private final Blobs blobs;
    private final Attachments attachments;

    public PublicRoutes(Links links, Buckets buckets, Blobs blobs, Attachments attachments) {
        this.links = links;
        this.buckets = buckets;
        this.blobs = blobs;
        this.attachments = attachments;
    }

    public void routes(RoutesConfig routes) {
        routes.get("/api/v1/public/{token}", this::root);
        routes.get("/api/v1/public/{token}/buckets", this::children);
        routes.get("/api/v1/public/{token}/buckets/{bucketId}", this::bucket);
        routes.get("/api/v1/public/{token}/buckets/{bucketId}/blobs", this::blobs);
        routes.get("/api/v1/public/{token}/blobs/{blobId}", this::blob);
        routes.get("/api/v1/public/{token}/blobs/{blobId}/attachments", this::attachments);
        routes.get("/api/v1/public/{token}/blobs/{blobId}/attachments/{attachmentId}", this::attachment);
    }

    private Principal holder(Context ctx) {
        return links.resolve(ctx.pathParam("token"));
    }

    private void root(Context ctx) {
        var holder = holder(ctx);
        ctx.json(buckets.get(holder, holder.linkRoot()));
    }

    /** The buckets under {@code parentId}; under the link's bucket when not given. */
    private void children(Context ctx) {
        var holder = holder(ctx);
        var parentId = JsonBody.queryId(ctx, "parentId");
        Responses.page(ctx, buckets.children(holder, parentId == null ? holder.linkRoot() : parentId,
                Responses.pageRequest(ctx)));
    }

    private void bucket(Context ctx) {
        ctx.json(buckets.get(holder(ctx), JsonBody.pathId(ctx, "bucketId", "bucket")));
    }

    private void blobs(Context ctx) {
        Responses.page(ctx, blobs.list(holder(ctx), JsonBody.pathId(ctx, "bucketId", "bucket"),
                BlobOrder.parse(ctx.queryParam("sort")), Responses.pageRequest(ctx)));
    }

    private void blob(Context ctx) {
        BlobRoutes.respond(ctx, blobs.read(holder(ctx), JsonBody.pathId(ctx, "blobId", "blob"), BlobRoutes.schemaVersion(ctx)));
    }

    private void attachments(Context ctx) {
        AttachmentRoutes.page(ctx, attachments.list(holder(ctx), JsonBody.pathId(ctx, "blobId", "blob"),
                Responses.pageRequest(ctx)));
    }

    private void attachment(Context ctx) {
        AttachmentRoutes.send(ctx, attachments.open(holder(ctx), JsonBody.pathId(ctx, "blobId", "blob"),
                JsonBody.pathId(ctx, "attachmentId", "attachment")));
    }
}
