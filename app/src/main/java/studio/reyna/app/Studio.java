package studio.reyna.app;

import com.sun.management.UnixOperatingSystemMXBean;
import io.javalin.Javalin;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.Ids;
import studio.reyna.core.json.Json;
import studio.reyna.db.Database;
import studio.reyna.db.EmbeddedDatabase;
import studio.reyna.db.Migrations;
import studio.reyna.events.EventLog;
import studio.reyna.events.bus.EventBus;
import studio.reyna.events.bus.EventCodec;
import studio.reyna.events.bus.InProcessEventBus;
import studio.reyna.events.bus.NatsEventBus;
import studio.reyna.events.relay.Relay;
import studio.reyna.gateway.auth.AccessTokens;
import studio.reyna.gateway.auth.Accounts;
import studio.reyna.gateway.auth.AuthRoutes;
import studio.reyna.gateway.auth.Authentication;
import studio.reyna.gateway.attachment.AttachmentRoutes;
import studio.reyna.gateway.blob.BlobRoutes;
import studio.reyna.gateway.bucket.BucketRoutes;
import studio.reyna.gateway.health.HealthRoutes;
import studio.reyna.gateway.http.HttpServer;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.limit.RateLimit;
import studio.reyna.gateway.limit.RequestLimits;
import studio.reyna.gateway.limit.TokenBuckets;
import studio.reyna.gateway.http.ErrorReports;
import studio.reyna.gateway.metrics.InstallationMetrics;
import studio.reyna.gateway.metrics.MetricsRoutes;
import studio.reyna.gateway.openapi.OpenApiRoutes;
import studio.reyna.gateway.realtime.RealtimeHub;
import studio.reyna.gateway.realtime.RealtimeEndpoint;
import studio.reyna.gateway.schema.SchemaRoutes;
import studio.reyna.gateway.search.SearchRoutes;
import studio.reyna.gateway.share.PublicRoutes;
import studio.reyna.gateway.share.ShareRoutes;
import studio.reyna.gateway.transfer.TransferRoutes;
import studio.reyna.gateway.usage.UsageRoutes;
import studio.reyna.schema.Schemas;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.attachment.AttachmentSweeper;
import studio.reyna.state.attachment.Attachments;
import studio.reyna.state.processing.DeadLetters;
import studio.reyna.state.processing.ProcessorSettings;
import studio.reyna.processor.BuiltInProcessors;
import studio.reyna.processor.Processor;
import studio.reyna.processor.runtime.ProcessingInputs;
import studio.reyna.processor.runtime.ProcessorRuntime;
import studio.reyna.gateway.processor.ProcessorRoutes;
import studio.reyna.state.attachment.S3Objects;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import studio.reyna.gateway.batch.BatchRoutes;
import studio.reyna.state.blob.BlobBatch;
import studio.reyna.state.blob.BlobMigrations;
import studio.reyna.state.blob.Blobs;
import studio.reyna.state.bucket.BucketTree;
import studio.reyna.state.bucket.Buckets;
import studio.reyna.state.search.Search;
import studio.reyna.state.share.Links;
import studio.reyna.state.share.Shares;
import studio.reyna.state.transfer.Exports;
import studio.reyna.state.transfer.Imports;
import studio.reyna.state.transfer.TransferSlots;
import studio.reyna.state.usage.Usage;
import tools.jackson.databind.json.JsonMapper;

/**
 * The composition root: every service of the studio is created and connected here, in the order
 * they depend on each other, and closed in reverse.
 */
final class Studio implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Studio.class);

    private final Javalin http;
    private final RealtimeHub hub;
    private final Relay relay;
    private final TokenBuckets tokenBuckets;
    /** What start() opened, closed in reverse order. */
    private final Deque<AutoCloseable> opened;

    private Studio(Javalin http, RealtimeHub hub, Relay relay, TokenBuckets tokenBuckets, Deque<AutoCloseable> opened) {
        this.http = http;
        this.hub = hub;
        this.relay = relay;
        this.tokenBuckets = tokenBuckets;
        this.opened = opened;
    }

    /** Connects to (or starts) the database and brings its schema up to date; nothing else. */
    static Connected connect(StudioConfig config) {
        return connect(config, false);
    }

    /**
     * As {@link #connect(StudioConfig)}; with {@code beside} (a command run next to a studio), the
     * embedded database is the server a studio already runs on the data directory, if one does,
     * instead of one started here, which that studio's lock would refuse.
     */
    static Connected connect(StudioConfig config, boolean beside) {
        EmbeddedDatabase embedded = null;
        String jdbcUrl = config.database().jdbcUrl();
        if (jdbcUrl == null) {
            var running = beside ? EmbeddedDatabase.running(config.dataDir()) : java.util.Optional.<EmbeddedDatabase.Running>empty();
            if (running.isPresent()) {
                jdbcUrl = running.get().jdbcUrl();
            } else {
                embedded = EmbeddedDatabase.start(config.dataDir());
                jdbcUrl = embedded.jdbcUrl();
            }
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

    /**
     * What {@code reyna schema migrate} works with: the blobs of a connected database, written as a
     * serving studio writes them (events included, so the studios running on it follow), with no server.
     */
    static BlobMigrations blobMigrations(Connected connected, StudioConfig config) {
        var jdbi = connected.database().jdbi();
        return Content.over(jdbi, config, Clock.systemUTC(), new SimpleMeterRegistry()).blobMigrations(jdbi);
    }

    /** The content services over one database, built alike for a serving studio and for the admin commands. */
    record Content(Ids ids, JsonMapper json, EventLog events, Schemas schemas, AccessPolicy access, Usage usage, Blobs blobs) {
        static Content over(Jdbi jdbi, StudioConfig config, Clock clock, MeterRegistry metrics) {
            var ids = new Ids(clock);
            var json = Json.newStoredMapper();
            var events = new EventLog(jdbi, ids, clock, json);
            var schemas = new Schemas(jdbi, events, ids, json);
            var access = new AccessPolicy(Duration.ofMinutes(5), 100_000);
            var quotas = config.quotas();
            var usage = new Usage(jdbi, new Usage.Limits(quotas.blobs(), quotas.buckets(), quotas.bytes()));
            return new Content(ids, json, events, schemas, access, usage,
                    new Blobs(jdbi, access, schemas, events, usage, ids, json, metrics));
        }

        BlobMigrations blobMigrations(Jdbi jdbi) {
            return new BlobMigrations(jdbi, schemas, blobs, access, events, json);
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
        return start(config, BuiltInProcessors.all());
    }

    /** The studio with these processors (the built-ins, or others beside them in tests). */
    static Studio start(StudioConfig config, List<Processor> processors) {
        config.unknownVariables().forEach(name ->
                log.warn("{} is set but this version of the studio does not read it (a typo?)", name));
        var connected = connect(config);
        var opened = new ArrayDeque<AutoCloseable>();
        opened.push(connected);
        try {
            var jdbi = connected.database().jdbi();
            var clock = Clock.systemUTC();
            var requestJson = Json.newMapper(config.http().maxBodyBytes());
            var metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

            var content = Content.over(jdbi, config, clock, metrics);
            var ids = content.ids();
            var json = content.json();
            var events = content.events();
            var schemas = content.schemas();
            var access = content.access();
            var usage = content.usage();
            var blobs = content.blobs();
            if (config.operations().sentryDsn() != null) {
                opened.push(ErrorReports.start(config.operations().sentryDsn(), "reyna-studio@" + version()));
                log.info("unexpected errors are reported to Sentry");
            }
            connected.database().measurePoolWith(metrics);
            opened.push(InstallationMetrics.register(metrics, jdbi, connected.embedded() == null ? null : config.dataDir()));
            var files = config.attachments();
            S3Objects s3 = null;
            AttachmentSweeper sweeper = null;
            if (files.s3() != null) {
                s3 = S3Objects.connect(files.s3(), files.maxBytes());
                opened.push(s3);
                sweeper = new AttachmentSweeper(jdbi, s3, Duration.ofSeconds(5)).start();
                opened.push(sweeper);
                log.info("attachments are kept in S3: {}", files.s3());
            }
            var attachments = new Attachments(jdbi, access, events, ids,
                    new Attachments.Settings(files.maxBytes(), files.maxUploads()), usage, s3, sweeper, metrics);
            var buckets = new Buckets(jdbi, access, events, usage, ids);
            var shares = new Shares(jdbi, access, events);
            var links = new Links(jdbi, access, ids, clock);
            var tree = new BucketTree(jdbi);
            // Each export or import holds a connection while its client reads or sends: a quarter of the pool at most.
            var transfers = new TransferSlots(Math.max(1, config.database().poolSize() / 4));
            var exports = new Exports(jdbi, access, attachments, json, transfers);
            // The import's parser is bounded by the import limit, not by the limit of one JSON body.
            var imports = new Imports(jdbi, access, schemas, attachments, events, usage,
                    Json.newMapper(config.http().maxImportBytes()), new Imports.Settings(config.http().maxBodyBytes()), transfers);
            var search = new Search(jdbi, access);

            EventBus bus = config.events().natsUrl() == null ? new InProcessEventBus()
                    : NatsEventBus.start(config.events().natsUrl(), config.events().subjectPrefix(),
                            config.events().streamName(), config.events().retention(), new EventCodec(json));
            opened.push(bus);
            var relay = new Relay(connected.database().dataSource(), jdbi, events, bus, Duration.ofMillis(250),
                    config.events().retention(), metrics);
            if (config.roles().contains("relay")) {
                opened.push(relay.start());
            }
            var processorSettings = new ProcessorSettings(jdbi, json);
            var processing = config.processing();
            var runtime = new ProcessorRuntime(connected.database().dataSource(), jdbi, events, bus,
                    new ProcessingInputs(blobs, schemas, attachments, processorSettings), processors,
                    new ProcessorRuntime.Settings(processing.timeout(), processing.attempts(), processing.firstRetry(), 5,
                            Duration.ofSeconds(30), Duration.ofMillis(100)), metrics);
            opened.push(runtime);
            if (config.roles().contains("processors")) {
                runtime.start();
            }
            var hub = new RealtimeHub(bus, events, tree, json, metrics);
            opened.push(hub);
            // Access decisions cached on this node are forgotten when any node changes shares or the tree.
            opened.push(bus.subscribe("share.>", access::changed));
            opened.push(bus.subscribe("bucket.>", access::changed));

            var accessTokens = AccessTokens.load(jdbi, config.auth().jwtKey(), clock, config.auth().accessTokenLifetime());
            var accounts = new Accounts(jdbi, accessTokens, ids, clock, config.auth().refreshTokenLifetime());

            var sockets = config.sockets();
            int maxSockets = sockets.maxSockets() != null ? sockets.maxSockets() : socketsTheFileLimitAllows();
            var limits = config.rateLimits();
            var realtime = new RealtimeEndpoint(hub, accessTokens, buckets, json, new RealtimeEndpoint.Settings(
                    Duration.ofSeconds(5), limits.enabled() ? sockets.messagesPerSecond() : Integer.MAX_VALUE, sockets.outbox(), Duration.ofSeconds(60),
                    sockets.pingInterval(), maxSockets, sockets.maxPerUser()), metrics);
            opened.push(realtime);
            log.info("accepting up to {} WebSockets on this node", maxSockets);

            var tokenBuckets = limits.redisUrl() == null ? TokenBuckets.local(metrics) : TokenBuckets.shared(limits.redisUrl(), metrics);
            opened.push(tokenBuckets);
            var requestLimits = new RequestLimits(new RequestLimits.Settings(limits.enabled(),
                    new RateLimit("api", limits.apiPerMinute(), Duration.ofMinutes(1)),
                    new RateLimit("blob-creation", limits.blobCreatesPerMinute(), Duration.ofMinutes(1)),
                    new RateLimit("auth", limits.authPerMinute(), Duration.ofMinutes(1))), tokenBuckets);

            var bodies = new RequestBodies(requestJson, config.http().maxBodyBytes());
            // Sign-up and sign-in are open to anyone: their bodies are a few fields, never megabytes.
            var authBodies = new RequestBodies(requestJson, 16 * 1024);
            var settings = new HttpServer.Settings(config.http().host(), config.http().port(), config.http().maxBodyBytes());
            // Link URLs name the port, known only once the server listens.
            var listening = new java.util.concurrent.atomic.AtomicReference<Javalin>();
            var operations = List.<java.util.function.Consumer<io.javalin.config.RoutesConfig>>of(
                    new HealthRoutes(connected.database(), connected.schemaVersion(), runtime::health, services(config, bus, tokenBuckets))::routes,
                    new OpenApiRoutes()::routes,
                    new MetricsRoutes(metrics::scrape, config.operations().metricsToken())::routes);
            var api = List.<java.util.function.Consumer<io.javalin.config.RoutesConfig>>of(
                    new AuthRoutes(accounts, authBodies)::routes,
                    new UsageRoutes(usage)::routes,
                    new ProcessorRoutes(processors, processorSettings, new DeadLetters(jdbi), bodies)::routes,
                    new SchemaRoutes(schemas, bodies, content.blobMigrations(jdbi))::routes,
                    new BucketRoutes(buckets, blobs, bodies)::routes,
                    new BlobRoutes(blobs, bodies)::routes,
                    new BatchRoutes(new BlobBatch(jdbi, blobs), bodies, requestLimits)::routes,
                    new AttachmentRoutes(attachments)::routes,
                    new ShareRoutes(shares, links, bodies, () -> url(config.http(), listening.get().port()))::routes,
                    new PublicRoutes(links, buckets, blobs, attachments)::routes,
                    new TransferRoutes(exports, imports, config.http().maxImportBytes())::routes,
                    new SearchRoutes(search)::routes);
            // Without the api role a node answers only what operations need: health, metrics, the contract.
            boolean serving = config.roles().contains("api");
            var features = new java.util.ArrayList<>(operations);
            if (serving) {
                features.addAll(api);
            }
            var http = HttpServer.create(settings, json, new Authentication(accessTokens), requestLimits, features,
                    serving ? Map.of(RealtimeEndpoint.PATH, realtime.servlet()) : Map.of(), metrics);
            listening.set(http);
            http.start();
            return new Studio(http, hub, relay, tokenBuckets, opened);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    /** What /health/ready reports besides the database: the bus, and Redis when rate limits are shared through it. */
    private static Map<String, java.util.function.Supplier<Boolean>> services(StudioConfig config, EventBus bus, TokenBuckets buckets) {
        var services = new java.util.LinkedHashMap<String, java.util.function.Supplier<Boolean>>();
        services.put(config.events().natsUrl() == null ? "bus" : "nats", bus::isConnected);
        if (config.rateLimits().redisUrl() != null) {
            services.put("redis", buckets::isShared);
        }
        return services;
    }

    /** This build's version, from the jar's manifest ("dev" when run from classes). */
    static String version() {
        String version = Studio.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    /** Where people reach the studio: REYNA_PUBLIC_URL, else this machine's address; ends with a slash. */
    static String url(StudioConfig.Http http, int port) {
        if (http.publicUrl() != null) {
            return http.publicUrl().endsWith("/") ? http.publicUrl() : http.publicUrl() + "/";
        }
        String host = http.host();
        boolean local = host.equals("0.0.0.0") || host.equals("::") || host.equals("127.0.0.1");
        return "http://" + (local ? "localhost" : host) + ":" + port + "/";
    }

    /**
     * Every socket is a file: at the process's file limit the node could accept nothing at all, no
     * REST request, no health check, no database connection. So WebSockets stop a reserve below it
     * (a quarter of the limit, at most 500 files).
     */
    private static int socketsTheFileLimitAllows() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long limit = unix.getMaxFileDescriptorCount();
            return (int) Math.min(Integer.MAX_VALUE, Math.max(1, limit - Math.min(500, limit / 4)));
        }
        return 10_000;
    }

    private static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            try {
                opened.pop().close();
            } catch (Exception e) {
                log.warn("could not close {} cleanly", e.getMessage(), e);
            }
        }
    }

    int port() {
        return http.port();
    }

    RealtimeHub hub() {
        return hub;
    }

    Relay relay() {
        return relay;
    }

    /** True while this node counts rate limits in Redis, with the other nodes. */
    boolean sharedRateLimits() {
        return tokenBuckets.isShared();
    }

    /**
     * Stops in the order that loses least: sockets are told first (1001: reconnect, to another node,
     * and resume); then the server stops accepting and lets requests in flight finish (at most
     * {@link HttpServer#STOP_TIMEOUT}); then the relay, processors, bus and database close.
     */
    @Override
    public void close() {
        if (opened.remove(hub)) {
            hub.close();
        }
        http.stop();
        closeAll(opened);
    }
}
