package studio.reyna.gateway.auth;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.RequestBodies;

/** {@code /auth/*} and {@code /me}. */
public final class AuthRoutes {
    private final Accounts accounts;
    private final RequestBodies bodies;

    public AuthRoutes(Accounts accounts, RequestBodies bodies) {
        this.accounts = accounts;
        this.bodies = bodies;
    }

    public void routes(RoutesConfig routes) {
        routes.post("/api/v1/auth/register", this::register);
        routes.post("/api/v1/auth/login", this::login);
        routes.post("/api/v1/auth/refresh", this::refresh);
        routes.post("/api/v1/auth/logout", this::logout);
        routes.get("/api/v1/me", this::me);
    }

    private void register(Context ctx) {
        JsonBody body = bodies.read(ctx);
        var session = accounts.register(body.text("email"), body.text("password"), body.text("displayName"));
        ctx.status(201).json(session);
    }

    private void login(Context ctx) {
        JsonBody body = bodies.read(ctx);
        ctx.json(accounts.login(body.text("email"), body.text("password")));
    }

    private void refresh(Context ctx) {
        JsonBody body = bodies.read(ctx);
        ctx.json(accounts.refresh(body.text("refreshToken")));
    }

    private void logout(Context ctx) {
        JsonBody body = bodies.read(ctx);
        accounts.logout(body.text("refreshToken"));
        ctx.status(204);
    }

    private void me(Context ctx) {
        ctx.json(accounts.user(Caller.id(ctx)));
    }
}
