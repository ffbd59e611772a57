package studio.reyna.gateway.http;

import io.javalin.http.Context;
import tools.jackson.databind.ObjectMapper;

/** Reads JSON request bodies with the configured size limit. */
public final class RequestBodies {
    private final ObjectMapper json;
    private final long maxBytes;

    public RequestBodies(ObjectMapper json, long maxBytes) {
        this.json = json;
        this.maxBytes = maxBytes;
    }

    public JsonBody read(Context ctx) {
        return JsonBody.read(ctx, json, maxBytes);
    }
}
