package studio.reyna.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import studio.reyna.db.DatabaseUrl;
import studio.reyna.state.attachment.S3Settings;

/**
 * Every setting of the studio, read once from the environment (and the command line) at start and
 * checked then. {@code docs/configuration.md} lists the same variables; a test keeps them in step.
 */
record StudioConfig(Http http, Database database, Auth auth, Events events, Sockets sockets, Quotas quotas, RateLimits rateLimits,
                    Attachments attachments, Processing processing, Operations operations, Set<String> roles, Path dataDir,
                    Set<String> unknownVariables) {

    /** What a node may do: serve the API (and WebSockets), run processors, relay events. */
    static final Set<String> ROLES = Set.of("api", "processors", "relay");

    /** The variables this version reads, with what each does; the reference documentation is checked against it. */
    static final List<Setting> SETTINGS = List.of(
            new Setting("REYNA_HOST", "127.0.0.1", "address to listen on; 0.0.0.0 for all interfaces"),
            new Setting("REYNA_PORT", "8080", "HTTP port (the --port option wins)"),
            new Setting("REYNA_DATA_DIR", "./data", "where the embedded PostgreSQL keeps its files (the --data-dir option wins)"),
            new Setting("REYNA_PUBLIC_URL", "http://localhost:<port>/", "the URL people open, as printed at start"),
            new Setting("REYNA_DB_URL", "(embedded)", "external PostgreSQL: postgresql://user:pass@host:port/db or jdbc:postgresql://…"),
            new Setting("REYNA_DB_POOL_SIZE", "10", "database connections per node"),
            new Setting("REYNA_MAX_BODY_BYTES", "10485760", "largest JSON request body (and so blob) accepted, in bytes; larger → 413"),
            new Setting("REYNA_MAX_IMPORT_BYTES", "10737418240", "largest body of POST /api/v1/import (an export, with its files in a zip), in bytes (10 GiB); larger → 413"),
            new Setting("REYNA_JWT_KEY", "(generated, stored in the database)", "private EC P-256 JWK that signs access tokens"),
            new Setting("REYNA_ACCESS_TOKEN_SECONDS", "900", "lifetime of an access token"),
            new Setting("REYNA_REFRESH_TOKEN_DAYS", "30", "lifetime of a refresh token"),
            new Setting("REYNA_NATS_URL", "(in-process bus)", "NATS with JetStream, nats://host:4222, for several nodes"),
            new Setting("REYNA_NATS_PREFIX", "(none)", "subject prefix, so several installations can share one NATS"),
            new Setting("REYNA_NATS_STREAM", "REYNA_EVENTS", "name of the JetStream stream"),
            new Setting("REYNA_EVENT_RETENTION_DAYS", "7", "how long events are kept (log table and JetStream stream)"),
            new Setting("REYNA_WS_MESSAGES_PER_SECOND", "10", "messages a WebSocket may send per second (a rate limit: off with REYNA_RATE_LIMITS=off)"),
            new Setting("REYNA_WS_PING_SECONDS", "15", "how often the server pings each WebSocket"),
            new Setting("REYNA_WS_OUTBOX", "1000", "messages queued for a WebSocket that is not reading"),
            new Setting("REYNA_WS_MAX_SOCKETS", "(file limit less a reserve)", "WebSockets one node accepts"),
            new Setting("REYNA_WS_MAX_PER_USER", "100", "WebSockets one user may hold on one node"),
            new Setting("REYNA_QUOTA_BLOBS", "10000", "blobs a user may own, unless an admin set their own quota"),
            new Setting("REYNA_QUOTA_BUCKETS", "1000", "buckets a user may own, unless an admin set their own quota"),
            new Setting("REYNA_QUOTA_BYTES", "10000000000", "bytes of content (blob JSON and attachments) a user may own (10 GB)"),
            new Setting("REYNA_RATE_LIMITS", "on", "off turns every rate limit off (for benchmarks)"),
            new Setting("REYNA_RATE_API_PER_MINUTE", "100", "API requests per user per minute (per address for public links)"),
            new Setting("REYNA_RATE_BLOB_CREATES_PER_MINUTE", "30", "blobs a user may create per minute"),
            new Setting("REYNA_RATE_AUTH_PER_MINUTE", "10", "sign-up, sign-in and refresh requests per client address per minute"),
            new Setting("REYNA_REDIS_URL", "(limits per node)", "Redis, redis://[password@]host:6379, to share rate limits among nodes"),
            new Setting("REYNA_MAX_ATTACHMENT_BYTES", "5368709120", "largest attachment accepted, in bytes (5 GiB); larger → 413"),
            new Setting("REYNA_MAX_ATTACHMENT_UPLOADS", "(half of REYNA_DB_POOL_SIZE)", "attachment uploads one node receives at once"),
            new Setting("REYNA_S3_ENDPOINT", "(attachments in PostgreSQL)", "an S3-compatible store for attachments, https://host:port"),
            new Setting("REYNA_S3_BUCKET", "(required with an endpoint)", "the bucket attachments are kept in (created if missing)"),
            new Setting("REYNA_S3_REGION", "us-east-1", "the store's region"),
            new Setting("REYNA_S3_ACCESS_KEY", "(required with an endpoint)", "access key id"),
            new Setting("REYNA_S3_SECRET_KEY", "(required with an endpoint)", "secret access key"),
            new Setting("REYNA_S3_PATH_STYLE", "true", "address the bucket in the path (host/bucket/key), not as a host name"),
            new Setting("REYNA_ROLES", "api,processors,relay", "what this node does (the --roles option wins)"),
            new Setting("REYNA_PROCESSOR_TIMEOUT_MS", "10000", "how long one processor invocation may take before it counts as failed"),
            new Setting("REYNA_PROCESSOR_ATTEMPTS", "5", "invocations of one event before a processor records it as a dead letter"),
            new Setting("REYNA_PROCESSOR_RETRY_MS", "200", "pause before a processor's second attempt; doubled for each further one"),
            new Setting("REYNA_METRICS_TOKEN", "(none: /metrics is open)", "a bearer token Prometheus must send to read /metrics"),
            new Setting("REYNA_LOG_FORMAT", "json", "json: one JSON object per log line; text: lines for people"),
            new Setting("REYNA_SENTRY_DSN", "(none)", "send unexpected errors to Sentry at this DSN"),
            new Setting("REYNA_PG_BIN", "(searched)", "directory of pg_dump and pg_restore for bin/reyna backup and restore"),
            new Setting("REYNA_JAVA_OPTS", "(none)", "JVM flags; read by bin/reyna, not by the studio"));

    /** Largest attachment S3 itself stores (5 TiB), and so the largest limit that can be set. */
    static final long MAX_ATTACHMENT_LIMIT = 5L << 40;

    record Setting(String name, String defaultValue, String meaning) {
    }

    /** {@code s3} null means: attachments are kept in PostgreSQL. */
    record Attachments(long maxBytes, int maxUploads, S3Settings s3) {
    }

    /** What operators set for watching the studio. */
    record Operations(String metricsToken, String logFormat, String sentryDsn) {
    }

    record Http(String host, int port, long maxBodyBytes, long maxImportBytes, String publicUrl) {
    }

    /** {@code jdbcUrl} null means: run the embedded PostgreSQL in the data directory. */
    record Database(String jdbcUrl, int poolSize) {
    }

    record Auth(String jwtKey, Duration accessTokenLifetime, Duration refreshTokenLifetime) {
    }

    /** {@code natsUrl} null means: one node, in-process bus. */
    record Events(String natsUrl, String subjectPrefix, String streamName, Duration retention) {
    }

    /** {@code maxSockets} null means: as many as the process's file limit leaves room for. */
    record Sockets(int messagesPerSecond, Duration pingInterval, int outbox, Integer maxSockets, int maxPerUser) {
    }

    /** The default maxima of each user; an admin may set others per user. */
    record Quotas(long blobs, long buckets, long bytes) {
    }

    /** How processors are invoked. */
    record Processing(Duration timeout, int attempts, Duration firstRetry) {
    }

    /** {@code redisUrl} null means: each node counts on its own. */
    record RateLimits(boolean enabled, int apiPerMinute, int blobCreatesPerMinute, int authPerMinute, String redisUrl) {
    }

    static StudioConfig read(Map<String, String> variables, Integer portOption, Path dataDirOption) {
        return read(variables, portOption, dataDirOption, null);
    }

    static StudioConfig read(Map<String, String> variables, Integer portOption, Path dataDirOption, String rolesOption) {
        var env = new Environment(variables);
        int port = portOption != null ? portOption : (int) env.number("REYNA_PORT", 8080, 0, 65535);
        if (port < 0 || port > 65535) {
            throw new Environment.ConfigException("--port must be between 0 and 65535, not " + port);
        }
        String host = env.text("REYNA_HOST").orElse("127.0.0.1");
        String publicUrl = env.text("REYNA_PUBLIC_URL").orElse(null);
        long maxBody = env.number("REYNA_MAX_BODY_BYTES", 10L * 1024 * 1024, 1024, 1L << 30);
        long maxImport = env.number("REYNA_MAX_IMPORT_BYTES", 10L << 30, 1024, 1L << 50);
        String jdbcUrl = null;
        var dbUrl = env.text("REYNA_DB_URL");
        if (dbUrl.isPresent()) {
            try {
                jdbcUrl = DatabaseUrl.toJdbc(dbUrl.get());
            } catch (IllegalArgumentException e) {
                throw new Environment.ConfigException("REYNA_DB_URL: " + e.getMessage());
            }
        }
        int pool = (int) env.number("REYNA_DB_POOL_SIZE", 10, 1, 500);
        Path dataDir = dataDirOption != null ? dataDirOption : Path.of(env.text("REYNA_DATA_DIR").orElse("./data"));
        var auth = new Auth(env.text("REYNA_JWT_KEY").orElse(null),
                Duration.ofSeconds(env.number("REYNA_ACCESS_TOKEN_SECONDS", 900, 30, 86_400)),
                Duration.ofDays(env.number("REYNA_REFRESH_TOKEN_DAYS", 30, 1, 365)));
        String natsUrl = env.text("REYNA_NATS_URL").orElse(null);
        if (natsUrl != null && !natsUrl.matches("^(nats|tls)://[^\\s]+$")) {
            throw new Environment.ConfigException("REYNA_NATS_URL must look like nats://host:4222, not '" + natsUrl + "'");
        }
        String prefix = env.text("REYNA_NATS_PREFIX").orElse("");
        if (!prefix.matches("^[A-Za-z0-9_-]{0,64}$")) {
            throw new Environment.ConfigException("REYNA_NATS_PREFIX must be one subject token (letters, digits, - and _)");
        }
        String stream = env.text("REYNA_NATS_STREAM").orElse("REYNA_EVENTS");
        if (!stream.matches("^[A-Za-z0-9_-]{1,64}$")) {
            throw new Environment.ConfigException("REYNA_NATS_STREAM must be letters, digits, - and _");
        }
        var events = new Events(natsUrl, prefix, stream,
                Duration.ofDays(env.number("REYNA_EVENT_RETENTION_DAYS", 7, 1, 3650)));
        var sockets = new Sockets((int) env.number("REYNA_WS_MESSAGES_PER_SECOND", 10, 1, 10_000),
                Duration.ofSeconds(env.number("REYNA_WS_PING_SECONDS", 15, 1, 3600)),
                (int) env.number("REYNA_WS_OUTBOX", 1000, 1, 1_000_000),
                env.text("REYNA_WS_MAX_SOCKETS").isPresent()
                        ? (int) env.number("REYNA_WS_MAX_SOCKETS", 0, 0, 10_000_000) : null,
                (int) env.number("REYNA_WS_MAX_PER_USER", 100, 1, 10_000_000));
        var quotas = new Quotas(env.number("REYNA_QUOTA_BLOBS", 10_000, 0, Long.MAX_VALUE),
                env.number("REYNA_QUOTA_BUCKETS", 1_000, 0, Long.MAX_VALUE),
                env.number("REYNA_QUOTA_BYTES", 10_000_000_000L, 0, Long.MAX_VALUE));
        String limitsSwitch = env.text("REYNA_RATE_LIMITS").orElse("on");
        if (!limitsSwitch.equals("on") && !limitsSwitch.equals("off")) {
            throw new Environment.ConfigException("REYNA_RATE_LIMITS must be on or off, not '" + limitsSwitch + "'");
        }
        String redisUrl = env.text("REYNA_REDIS_URL").orElse(null);
        if (redisUrl != null && !redisUrl.matches("^rediss?://[^\\s]+$")) {
            throw new Environment.ConfigException("REYNA_REDIS_URL must look like redis://host:6379, not '" + redisUrl + "'");
        }
        var rateLimits = new RateLimits(limitsSwitch.equals("on"),
                (int) env.number("REYNA_RATE_API_PER_MINUTE", 100, 1, 10_000_000),
                (int) env.number("REYNA_RATE_BLOB_CREATES_PER_MINUTE", 30, 1, 10_000_000),
                (int) env.number("REYNA_RATE_AUTH_PER_MINUTE", 10, 1, 10_000_000), redisUrl);
        var attachments = new Attachments(
                env.number("REYNA_MAX_ATTACHMENT_BYTES", 5L << 30, 1, MAX_ATTACHMENT_LIMIT),
                (int) env.number("REYNA_MAX_ATTACHMENT_UPLOADS", Math.max(1, pool / 2), 1, 10_000),
                s3(env));
        var known = SETTINGS.stream().map(Setting::name).collect(java.util.stream.Collectors.toSet());
        var processing = new Processing(Duration.ofMillis(env.number("REYNA_PROCESSOR_TIMEOUT_MS", 10_000, 10, 3_600_000)),
                (int) env.number("REYNA_PROCESSOR_ATTEMPTS", 5, 1, 100),
                Duration.ofMillis(env.number("REYNA_PROCESSOR_RETRY_MS", 200, 0, 600_000)));
        // The log format is read by logback itself (logback.xml) before this runs; a wrong value is caught here.
        String logFormat = env.text("REYNA_LOG_FORMAT").orElse("json");
        if (!logFormat.equals("json") && !logFormat.equals("text")) {
            throw new Environment.ConfigException("REYNA_LOG_FORMAT must be json or text, not '" + logFormat + "'");
        }
        String metricsToken = env.text("REYNA_METRICS_TOKEN").orElse(null);
        if (metricsToken != null && metricsToken.length() < 16) {
            throw new Environment.ConfigException("REYNA_METRICS_TOKEN must be at least 16 characters");
        }
        String sentryDsn = env.text("REYNA_SENTRY_DSN").orElse(null);
        if (sentryDsn != null && !sentryDsn.matches("^https?://[^@/\\s]+@[^/\\s]+/[^\\s]+$")) {
            throw new Environment.ConfigException("REYNA_SENTRY_DSN must look like https://key@host/project (as Sentry shows it)");
        }
        var operations = new Operations(metricsToken, logFormat, sentryDsn);
        String roleList = rolesOption != null ? rolesOption : env.text("REYNA_ROLES").orElse("api,processors,relay");
        var roles = new java.util.TreeSet<String>();
        for (String role : roleList.split(",")) {
            if (!ROLES.contains(role.strip())) {
                throw new Environment.ConfigException("roles are a comma-separated choice of api, processors and relay, not '"
                        + roleList + "'");
            }
            roles.add(role.strip());
        }
        return new StudioConfig(new Http(host, port, maxBody, maxImport, publicUrl), new Database(jdbcUrl, pool), auth, events, sockets,
                quotas, rateLimits, attachments, processing, operations, java.util.Collections.unmodifiableSet(roles), dataDir.toAbsolutePath().normalize(), env.unknown(known));
    }

    /** The S3 store of attachments: all of it, or nothing (each missing part named). */
    private static S3Settings s3(Environment env) {
        var endpoint = env.text("REYNA_S3_ENDPOINT");
        if (endpoint.isEmpty()) {
            for (String name : List.of("REYNA_S3_BUCKET", "REYNA_S3_REGION", "REYNA_S3_ACCESS_KEY", "REYNA_S3_SECRET_KEY",
                    "REYNA_S3_PATH_STYLE")) {
                if (env.text(name).isPresent()) {
                    throw new Environment.ConfigException(name + " is set but REYNA_S3_ENDPOINT is not: "
                            + "set the endpoint to keep attachments in S3, or unset " + name);
                }
            }
            return null;
        }
        if (!endpoint.get().matches("^https?://[^\\s/]+(/.*)?$")) {
            throw new Environment.ConfigException("REYNA_S3_ENDPOINT must look like https://host:port, not '" + endpoint.get() + "'");
        }
        String bucket = required(env, "REYNA_S3_BUCKET");
        // S3's own bucket naming rules, which every compatible store accepts.
        if (!bucket.matches("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")) {
            throw new Environment.ConfigException("REYNA_S3_BUCKET must be 3 to 63 lower-case letters, digits, '.' and '-'");
        }
        String region = env.text("REYNA_S3_REGION").orElse("us-east-1");
        if (!region.matches("^[a-z0-9-]{1,64}$")) {
            throw new Environment.ConfigException("REYNA_S3_REGION must be a region name such as eu-west-1, not '" + region + "'");
        }
        String pathStyle = env.text("REYNA_S3_PATH_STYLE").orElse("true").toLowerCase(java.util.Locale.ROOT);
        if (!pathStyle.equals("true") && !pathStyle.equals("false")) {
            throw new Environment.ConfigException("REYNA_S3_PATH_STYLE must be true or false, not '" + pathStyle + "'");
        }
        return new S3Settings(endpoint.get(), bucket, region, required(env, "REYNA_S3_ACCESS_KEY"),
                required(env, "REYNA_S3_SECRET_KEY"), pathStyle.equals("true"));
    }

    private static String required(Environment env, String name) {
        return env.text(name).orElseThrow(() -> new Environment.ConfigException(
                name + " is required when REYNA_S3_ENDPOINT is set (or " + name + "_FILE naming a file that holds it)"));
    }
}
