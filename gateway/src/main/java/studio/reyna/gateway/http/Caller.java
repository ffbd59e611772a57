package studio.reyna.gateway.http;

import io.javalin.http.Context;
import java.util.UUID;
import studio.reyna.core.problem.UnauthorizedException;
import studio.reyna.state.access.Principal;

/** The authenticated user of a request, put there by the authentication filter. */
public final class Caller {
    private static final String ATTRIBUTE = "reyna.userId";

    private Caller() {
    }

    public static void set(Context ctx, UUID userId) {
        ctx.attribute(ATTRIBUTE, userId);
    }

    public static UUID id(Context ctx) {
        UUID id = ctx.attribute(ATTRIBUTE);
        if (id == null) {
            throw new UnauthorizedException("sign in first: send Authorization: Bearer <access token>");
        }
        return id;
    }

    /** The authenticated user; null for a request that needs none (sign-in, public links). */
    public static UUID find(Context ctx) {
        return ctx.attribute(ATTRIBUTE);
    }

    /** The authenticated user, as the access policy names who is asking. */
    public static Principal principal(Context ctx) {
        return Principal.user(id(ctx));
    }
}
