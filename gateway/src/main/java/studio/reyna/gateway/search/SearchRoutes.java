package studio.reyna.gateway.search;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import studio.reyna.core.page.PageRequest;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.Responses;
import studio.reyna.state.search.Search;

/** {@code GET /search}: full-text search over what the caller may read (docs/search.md). */
public final class SearchRoutes {
    private final Search search;

    public SearchRoutes(Search search) {
        this.search = search;
    }

    public void routes(RoutesConfig routes) {
        routes.get("/api/v1/search", this::search);
    }

    private void search(Context ctx) {
        var page = Responses.pageRequest(ctx);
        String limit = ctx.queryParam("limit");
        if (limit == null || limit.isBlank()) {
            page = new PageRequest(Search.DEFAULT_LIMIT, page.after());
        }
        String schemaId = ctx.queryParam("schemaId");
        Responses.page(ctx, search.search(Caller.id(ctx), new Search.Request(ctx.queryParam("q"),
                JsonBody.queryId(ctx, "bucketId"), schemaId == null || schemaId.isBlank() ? null : schemaId.strip()), page));
    }
}
