package studio.reyna.gateway.http;

import io.javalin.http.Context;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.PreconditionFailedException;
import studio.reyna.core.problem.PreconditionRequiredException;

/** Small helpers every route uses the same way: pages, ETags, If-Match. */
public final class Responses {
    private Responses() {
    }

    public static PageRequest pageRequest(Context ctx) {
        return PageRequest.parse(ctx.queryParam("limit"), ctx.queryParam("cursor"));
    }

    public static void page(Context ctx, Page<?> page) {
        ctx.json(page);
    }

    public static void created(Context ctx, String location, Object body) {
        ctx.status(201).header("Location", location).json(body);
    }

    public static String etag(long version) {
        return "\"" + version + "\"";
    }

    /**
     * The version an {@code If-Match} header names; null when any version may be replaced
     * ({@code If-Match: *}, or no header where none is required). Missing → 428 when
     * {@code required}; a value this server never issued can match nothing → 412.
     */
    public static Long ifMatch(Context ctx, boolean required) {
        String header = ctx.header("If-Match");
        if (header == null || header.isBlank()) {
            if (required) {
                throw new PreconditionRequiredException("send If-Match with the ETag of the version you edited");
            }
            return null;
        }
        String value = header.strip();
        if (value.equals("*")) {
            return null;
        }
        if (value.startsWith("W/")) {
            // If-Match compares strongly (RFC 9110 §13.1.1): a weak tag matches nothing.
            throw new PreconditionFailedException("If-Match needs a strong ETag, not " + header);
        }
        Long version = versionIn(value);
        if (version == null) {
            throw new PreconditionFailedException("If-Match '" + header + "' matches no version of this resource");
        }
        return version;
    }

    /** The version an ETag names ({@code "3"}, or {@code 3} without its quotes); null when it names none. */
    public static Long versionIn(String tag) {
        String value = tag.strip();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        try {
            long version = Long.parseLong(value);
            return version >= 1 ? version : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
