package studio.reyna.app;

import io.javalin.Javalin;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.Ids;
import studio.reyna.core.json.Json;
import studio.reyna.db.Database;
import studio.reyna.db.EmbeddedDatabase;
import studio.reyna.db.Migrations;
import studio.reyna.events.EventLog;
import studio.reyna.gateway.auth.AccessTokens;
import studio.reyna.gateway.auth.Accounts;
import studio.reyna.gateway.auth.AuthRoutes;
import studio.reyna.gateway.auth.Authentication;
import studio.reyna.gateway.blob.BlobRoutes;
import studio.reyna.gateway.bucket.BucketRoutes;
import studio.reyna.gateway.health.HealthRoutes;
import studio.reyna.gateway.http.HttpServer;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.openapi.OpenApiRoutes;
import studio.reyna.gateway.schema.SchemaRoutes;
import studio.reyna.schema.Schemas;
import studio.reyna.state.blob.Blobs;
import studio.reyna.state.bucket.Buckets;

/**
 * The composition root: every service of the studio is created and connected here, in the order
 * they depend on each other, and closed in reverse.
 */
final class Studio implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Studio.class);

    private final EmbeddedDatabase embedded;
    private final Database database;
    private final Javalin http;

    private Studio(EmbeddedDatabase embedded, Database database, Javalin http) {
        this.embedded = embedded;
        this.database = database;
        this.http = http;
    }

    /** Connects to (or starts) the database and brings its schema up to date; nothing else. */
    static Connected connect(StudioConfig config) {
        EmbeddedDatabase embedded = null;
        String jdbcUrl = config.database().jdbcUrl();
        if (jdbcUrl == null) {
            embedded = EmbeddedDatabase.start(config.dataDir());
            jdbcUrl = embedded.jdbcUrl();
        }
        try {
            var database = Database.connect(jdbcUrl, config.database().poolSize());
            var migrations = new Migrations(database.dataSource());
            int applied = migrations.apply();
            if (applied > 0) {
                log.info("applied {} database migrations (schema version {})", applied, migrations.expectedVersion());
            }
            return new Connected(embedded, database, migrations.expectedVersion());
        } catch (RuntimeException e) {
            if (embedded != null) {
                embedded.close();
            }
            throw e;
        }
    }

    record Connected(EmbeddedDatabase embedded, Database database, String schemaVersion) implements AutoCloseable {
        @Override
        public void close() {
            database.close();
            if (embedded != null) {
                embedded.close();
            }
        }
    }

    static Studio start(StudioConfig config) {
        config.unknownVariables().forEach(name ->
                log.warn("{} is set but this version of the studio does not read it (a typo?)", name));
        var connected = connect(config);
        try {
            var jdbi = connected.database().jdbi();
            var clock = Clock.systemUTC();
            var ids = new Ids(clock);
            var json = Json.newStoredMapper();
            var requestJson = Json.newMapper(config.http().maxBodyBytes());

            var events = new EventLog(jdbi, ids, clock, json);
            var schemas = new Schemas(jdbi, events, ids, json);
            var buckets = new Buckets(jdbi, events, ids);
            var blobs = new Blobs(jdbi, buckets, schemas, events, ids, json);

            var accessTokens = AccessTokens.load(jdbi, config.auth().jwtKey(), clock, config.auth().accessTokenLifetime());
            var accounts = new Accounts(jdbi, accessTokens, ids, clock, config.auth().refreshTokenLifetime());

            var bodies = new RequestBodies(requestJson, config.http().maxBodyBytes());
            // Sign-up and sign-in are open to anyone: their bodies are a few fields, never megabytes.
            var authBodies = new RequestBodies(requestJson, 16 * 1024);
            var settings = new HttpServer.Settings(config.http().host(), config.http().port(), config.http().maxBodyBytes());
            var http = HttpServer.create(settings, json, new Authentication(accessTokens), List.of(
                    new HealthRoutes(connected.database(), connected.schemaVersion())::routes,
                    new OpenApiRoutes()::routes,
                    new AuthRoutes(accounts, authBodies)::routes,
                    new SchemaRoutes(schemas, bodies)::routes,
                    new BucketRoutes(buckets, blobs, bodies)::routes,
                    new BlobRoutes(blobs, bodies)::routes));
            http.start();
            return new Studio(connected.embedded(), connected.database(), http);
        } catch (RuntimeException e) {
            connected.close();
            throw e;
        }
    }

    int port() {
        return http.port();
    }

    @Override
    public void close() {
        http.stop();
        database.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
