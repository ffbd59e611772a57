package studio.reyna.gateway.auth;

import io.javalin.http.Context;
import java.util.Set;
import studio.reyna.core.problem.UnauthorizedException;
import studio.reyna.gateway.http.Caller;

/** Requires a valid access token on every API request except the few that obtain one. */
public final class Authentication {
    private static final Set<String> PUBLIC = Set.of(
            "/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout");

    private static final String PUBLIC_LINKS = "/api/v1/public/";

    private final AccessTokens tokens;

    public Authentication(AccessTokens tokens) {
        this.tokens = tokens;
    }

    public void require(Context ctx) {
        String path = ctx.path().endsWith("/") ? ctx.path().substring(0, ctx.path().length() - 1) : ctx.path();
        // Public links carry their own proof, the token in the path.
        if (PUBLIC.contains(path) || path.startsWith(PUBLIC_LINKS) || "OPTIONS".equals(ctx.method().name())) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new UnauthorizedException("sign in first: send Authorization: Bearer <access token>");
        }
        var verified = tokens.verify(header.substring(7).strip());
        if (verified.isEmpty()) {
            ctx.header("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            throw new UnauthorizedException("the access token is invalid or expired; refresh it or sign in again");
        }
        Caller.set(ctx, verified.get().userId());
    }
}
