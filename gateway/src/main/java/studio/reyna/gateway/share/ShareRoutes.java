package studio.reyna.gateway.share;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import studio.reyna.core.page.Page;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.http.Responses;
import studio.reyna.state.share.Link;
import studio.reyna.state.share.Links;
import studio.reyna.state.share.Shares;

/**
 * Sharing: {@code /buckets/{id}/shares} (named users, read or write), {@code /buckets/{id}/links}
 * (public read-only links) and {@code /shared-with-me}. Only a bucket's owner manages its shares
 * and links.
 */
public final class ShareRoutes {
    private final Shares shares;
    private final Links links;
    private final RequestBodies bodies;
    private final Supplier<String> publicBaseUrl;

    /** @param publicBaseUrl where people reach the studio (ends with /): links are made from it */
    public ShareRoutes(Shares shares, Links links, RequestBodies bodies, Supplier<String> publicBaseUrl) {
        this.shares = shares;
        this.links = links;
        this.bodies = bodies;
        this.publicBaseUrl = publicBaseUrl;
    }

    public void routes(RoutesConfig routes) {
        routes.post("/api/v1/buckets/{bucketId}/shares", this::share);
        routes.get("/api/v1/buckets/{bucketId}/shares", this::listShares);
        routes.delete("/api/v1/buckets/{bucketId}/shares/{userId}", this::revokeShare);
        routes.post("/api/v1/buckets/{bucketId}/links", this::createLink);
        routes.get("/api/v1/buckets/{bucketId}/links", this::listLinks);
        routes.delete("/api/v1/buckets/{bucketId}/links/{token}", this::revokeLink);
        routes.get("/api/v1/shared-with-me", this::sharedWithMe);
    }

    private void share(Context ctx) {
        var body = bodies.read(ctx);
        var bucketId = JsonBody.pathId(ctx, "bucketId", "bucket");
        var shared = shares.share(Caller.id(ctx), bucketId, body.text("email"), body.text("access"));
        if (shared.created()) {
            Responses.created(ctx, "/api/v1/buckets/" + bucketId + "/shares/" + shared.share().userId(), shared.share());
        } else {
            ctx.json(shared.share());
        }
    }

    private void listShares(Context ctx) {
        all(ctx, shares.list(Caller.id(ctx), JsonBody.pathId(ctx, "bucketId", "bucket")));
    }

    private void revokeShare(Context ctx) {
        shares.revoke(Caller.id(ctx), JsonBody.pathId(ctx, "bucketId", "bucket"), JsonBody.pathId(ctx, "userId", "share"));
        ctx.status(204);
    }

    private void createLink(Context ctx) {
        var bucketId = JsonBody.pathId(ctx, "bucketId", "bucket");
        // The body is optional: a link without one never expires. (A chunked body has no length.)
        boolean noBody = ctx.contentType() == null
                && (ctx.contentLength() == 0 || (ctx.contentLength() < 0 && ctx.header("Transfer-Encoding") == null));
        var expiresAt = noBody ? null : bodies.read(ctx).instant("expiresAt");
        var link = links.create(Caller.id(ctx), bucketId, expiresAt);
        Responses.created(ctx, "/api/v1/buckets/" + bucketId + "/links/" + link.id(), view(link));
    }

    private void listLinks(Context ctx) {
        all(ctx, links.list(Caller.id(ctx), JsonBody.pathId(ctx, "bucketId", "bucket")).stream().map(this::view).toList());
    }

    private void revokeLink(Context ctx) {
        links.revoke(Caller.id(ctx), JsonBody.pathId(ctx, "bucketId", "bucket"), ctx.pathParam("token"));
        ctx.status(204);
    }

    private void sharedWithMe(Context ctx) {
        var page = shares.sharedWith(Caller.id(ctx), Responses.pageRequest(ctx));
        Responses.page(ctx, new Page<>(page.items().stream().map(shared -> Map.of(
                "bucket", shared.bucket(), "ownerName", shared.ownerName(), "access", shared.access(),
                "sharedAt", shared.sharedAt())).toList(), page.nextCursor()));
    }

    /** A link as clients see it: with its token and URL only in the answer that created it. */
    private Map<String, Object> view(Link link) {
        var view = new java.util.LinkedHashMap<String, Object>();
        view.put("id", link.id());
        view.put("bucketId", link.bucketId());
        if (link.token() != null) {
            view.put("token", link.token());
            view.put("url", publicBaseUrl.get() + "api/v1/public/" + link.token());
        }
        view.put("expiresAt", link.expiresAt());
        view.put("createdAt", link.createdAt());
        return view;
    }

    /** A short list that is never paged: the shares or links of one bucket. */
    private static void all(Context ctx, List<?> items) {
        Responses.page(ctx, new Page<>(items, null));
    }
}
