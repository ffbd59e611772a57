package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static studio.reyna.app.Api.expect;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * What an operator sees of a studio running as its own process: the JSON log (one line per
 * request, no secret in it), {@code /metrics} behind its token, and the alert rules and dashboard
 * of {@code deploy/} checked by promtool and loaded into a real Prometheus (Debian's package,
 * installed by bin/test) that scrapes the studio.
 */
class ObservabilityTest {
    private static final String METRICS_TOKEN = "metrics-token-" + java.util.UUID.randomUUID();
    private static final String PASSWORD = "correct horse battery staple";
    private static final Path DEPLOY = Path.of("../deploy").toAbsolutePath().normalize();
    private static final Path WORK = Path.of("target/observability").toAbsolutePath();

    private static StudioProcess studio;
    private static String database;
    private static String token;
    /** Stands in for Sentry: keeps every envelope the studio sends, unzipped. */
    private static com.sun.net.httpserver.HttpServer sentry;
    private static final java.util.concurrent.BlockingQueue<String> envelopes = new java.util.concurrent.LinkedBlockingQueue<>();
    private static Api api;
    /** Every secret the scenario used: none may appear in the log. */
    private static final List<String> secrets = new ArrayList<>(List.of(PASSWORD, METRICS_TOKEN));
    private static String userId;
    private static final String REQUEST_ID = "observability-" + System.nanoTime();

    @BeforeAll
    static void runAScenario() throws Exception {
        sentry = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        sentry.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                body = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body)).readAllBytes();
            }
            envelopes.add(exchange.getRequestURI().getPath() + "\n" + new String(body, StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        sentry.start();
        database = TestDatabase.createEmpty();
        studio = StudioProcess.start(WORK, List.of("-Xmx256m"),
                Map.of("REYNA_DB_URL", database, "REYNA_DB_POOL_SIZE", "4", "REYNA_METRICS_TOKEN", METRICS_TOKEN,
                        "REYNA_RATE_BLOB_CREATES_PER_MINUTE", "3",
                        "REYNA_SENTRY_DSN", "http://publickey@127.0.0.1:" + sentry.getAddress().getPort() + "/42"));
        api = new Api(studio.port);
        String email = "observer-" + System.nanoTime() + "@example.org";
        var session = expect(api.post("/api/v1/auth/register", null, Map.of("email", email, "password", PASSWORD)), 201);
        userId = session.get("user").get("id").asString();
        secrets.add(session.get("accessToken").asString());
        secrets.add(session.get("refreshToken").asString());
        var signedIn = expect(api.post("/api/v1/auth/login", null, Map.of("email", email, "password", PASSWORD)), 200);
        secrets.add(signedIn.get("refreshToken").asString());
        var refreshed = expect(api.post("/api/v1/auth/refresh", null, Map.of("refreshToken", signedIn.get("refreshToken").asString())), 200);
        token = refreshed.get("accessToken").asString();
        secrets.add(token);
        secrets.add(refreshed.get("refreshToken").asString());

        expect(api.post("/api/v1/schemas", token, Map.of("id", "note", "name", "Note", "schema",
                Map.of("type", "object", "properties", Map.of("title", Map.of("type", "string"))))), 201);
        String bucket = expect(api.post("/api/v1/buckets", token, Map.of("name", "Watched")), 201).get("id").asString();
        String blobs = "/api/v1/buckets/" + bucket + "/blobs";
        expect(api.post(blobs, token, Map.of("schemaId", "note", "data", Map.of("title", 42))), 422);
        expect(api.call("POST", blobs, token, "application/json",
                Api.JSON.writeValueAsString(Map.of("schemaId", "note", "data", Map.of("title", "one"))),
                Map.of("X-Request-Id", REQUEST_ID)), 201);
        expect(api.post(blobs, token, Map.of("schemaId", "note", "data", Map.of("title", "two"))), 201);
        expect(api.post(blobs, token, Map.of("schemaId", "note", "data", Map.of("title", "three"))), 429);
        expect(api.get("/api/v1/no-such-thing/" + secrets.get(2), token), 404);
    }

    @AfterAll
    static void stop() throws Exception {
        if (studio != null) {
            studio.close();
        }
        if (sentry != null) {
            sentry.stop(0);
        }
    }

    @Test
    void metrics_need_the_token_and_count_what_happened() throws InterruptedException {
        assertThat(api.get("/metrics", null).status()).isEqualTo(401);
        assertThat(api.call("GET", "/metrics", null, null, null, Map.of("Authorization", "Bearer wrong")).status()).isEqualTo(401);
        // The database's figures are refreshed every 30 s, apart from scrapes.
        String metrics = scrape();
        for (int i = 0; i < 100 && !metrics.contains("\nreyna_users 1"); i++) {
            Thread.sleep(500);
            metrics = scrape();
        }

        for (String counted : List.of("reyna_blob_creation_seconds_count 2", "reyna_schema_validation_failures_total 1",
                "reyna_ratelimit_rejections_total\\{limit=\"blob-creation\"} 1", "reyna_users 1", "reyna_users_active_daily 1",
                "reyna_users_active_monthly 1", "hikaricp_connections_max\\{pool=\"reyna\"} 4", "reyna_websocket_connections 0")) {
            assertThat(metrics).containsPattern("(?m)^" + counted + "(\\.0)?$");
        }
        assertThat(metrics).contains(
                "jvm_memory_used_bytes{", "jvm_gc_pause_seconds", "process_cpu_usage", "reyna_database_size_bytes",
                "reyna_processor_execution_seconds_bucket{", "reyna_relay_lag_seconds");
        // Requests by method, matched route and status; a path nobody routes is one label, whatever it was.
        assertThat(metrics).containsPattern(
                "reyna_http_requests_seconds_count\\{method=\"POST\",route=\"/api/v1/buckets/\\{[a-zA-Z]+}/blobs\",status=\"201\"} 2(\\.0)?\n");
        assertThat(metrics).containsPattern(
                "reyna_http_requests_seconds_count\\{method=\"POST\",route=\"unmatched\",status=\"429\"} 1(\\.0)?\n");
        assertThat(metrics).containsPattern(
                "reyna_http_requests_seconds_count\\{method=\"POST\",route=\"/api/v1/buckets/\\{[a-zA-Z]+}/blobs\",status=\"422\"} 1(\\.0)?\n");
        assertThat(metrics).containsPattern("reyna_http_requests_seconds_count\\{method=\"GET\",route=\"unmatched\",status=\"404\"} 1(\\.0)?\n");
        assertThat(metrics).doesNotContain("no-such-thing");
    }

    @Test
    void every_request_is_one_json_line_with_its_id_user_route_status_and_latency_and_no_secret() throws IOException {
        String log = Files.readString(studio.log);
        for (String secret : secrets) {
            assertThat(log).as("the log holds a secret the scenario used").doesNotContain(secret);
        }
        var lines = log.lines().filter(line -> !line.isBlank()).toList();
        var plain = lines.stream().filter(line -> !line.startsWith("{")).toList();
        assertThat(plain).as("lines that are not JSON: only the address printed for people")
                .allMatch(line -> line.startsWith("ReYNa Studio is ready at "));
        var requests = lines.stream().filter(line -> line.startsWith("{")).map(line -> Api.JSON.readTree(line))
                .filter(entry -> entry.get("loggerName").asString().equals("studio.reyna.requests")).toList();

        var created = requests.stream().filter(entry -> REQUEST_ID.equals(keyValue(entry, "requestId"))).toList();
        assertThat(created).hasSize(1);
        var line = created.getFirst();
        assertThat(line.get("level").asString()).isEqualTo("INFO");
        assertThat(line.get("timestamp").asLong()).isPositive();
        assertThat(keyValue(line, "userId")).isEqualTo(userId);
        assertThat(keyValue(line, "method")).isEqualTo("POST");
        assertThat(keyValue(line, "route")).matches("/api/v1/buckets/\\{[a-zA-Z]+}/blobs");
        assertThat(keyValue(line, "status")).isEqualTo("201");
        assertThat(Double.parseDouble(keyValue(line, "latencyMs"))).isPositive();

        assertThat(requests).as("one line per request, each with an id")
                .allMatch(entry -> keyValue(entry, "requestId") != null && keyValue(entry, "status") != null);
        assertThat(requests.stream().filter(entry -> "unmatched".equals(keyValue(entry, "route")))
                .map(entry -> keyValue(entry, "method") + " " + keyValue(entry, "status")))
                .as("the unrouted request, and the one refused before its route ran").containsExactly("POST 429", "GET 404");
        assertThat(requests.stream().filter(entry -> "/api/v1/auth/register".equals(keyValue(entry, "route"))))
                .as("a request before sign-in names no user").hasSize(1)
                .allMatch(entry -> keyValue(entry, "userId") == null && keyValue(entry, "status").equals("201"));
    }

    @Test
    void the_alert_rules_pass_their_checks_and_unit_tests() throws Exception {
        assertThat(run(List.of("promtool", "check", "rules", DEPLOY.resolve("prometheus/alerts.yml").toString())))
                .contains("SUCCESS: 8 rules found");
        assertThat(run(List.of("promtool", "test", "rules", DEPLOY.resolve("prometheus/alerts-test.yml").toString())))
                .contains("SUCCESS");
    }

    @Test
    void a_real_prometheus_scrapes_the_studio_loads_the_rules_and_answers_every_dashboard_query() throws Exception {
        int port;
        try (var socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        Path dir = Files.createDirectories(WORK.resolve("prometheus-" + System.nanoTime()));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: reyna
                    authorization:
                      credentials: %s
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(DEPLOY.resolve("prometheus/alerts.yml"), METRICS_TOKEN, studio.port));
        var prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        try {
            var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            String base = "http://127.0.0.1:" + port + "/api/v1/";
            var target = waitFor(http, base + "targets", body -> {
                var active = body.path("data").path("activeTargets");
                return !active.isEmpty() && active.get(0).path("health").asString().equals("up");
            });
            assertThat(target.path("data").path("activeTargets").get(0).path("labels").path("job").asString()).isEqualTo("reyna");

            var rules = waitFor(http, base + "rules", body -> {
                var groups = body.path("data").path("groups");
                return !groups.isEmpty() && groups.get(0).path("rules").valueStream()
                        .allMatch(rule -> rule.path("health").asString().equals("ok"));
            });
            assertThat(rules.path("data").path("groups").get(0).path("rules").valueStream().map(rule -> rule.path("name").asString()))
                    .contains("ReynaErrorRate", "ReynaRelayLag", "ReynaProcessorDeadLetters", "ReynaProcessorCircuitOpen",
                            "ReynaDiskAlmostFull", "ReynaDatabaseAlmostFull");

            // Scraped series are there, and every panel's query is one Prometheus accepts.
            var up = get(http, base + "query?query=" + URLEncoder.encode("up{job=\"reyna\"}", StandardCharsets.UTF_8));
            assertThat(up.path("data").path("result").get(0).path("value").get(1).asString()).isEqualTo("1");
            var users = waitFor(http, base + "query?query=" + URLEncoder.encode("reyna_users{job=\"reyna\"}", StandardCharsets.UTF_8),
                    body -> !body.path("data").path("result").isEmpty());
            assertThat(users.path("data").path("result").get(0).path("value").get(1).asString()).isEqualTo("1");
            var dashboard = Api.JSON.readTree(DEPLOY.resolve("grafana/reyna-dashboard.json").toFile());
            var queries = dashboard.path("panels").valueStream()
                    .flatMap(panel -> panel.path("targets").valueStream()).map(query -> query.path("expr").asString()).toList();
            assertThat(queries).hasSizeGreaterThan(15);
            for (String query : queries) {
                var answer = get(http, base + "query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
                assertThat(answer.path("status").asString()).as(query).isEqualTo("success");
            }
        } finally {
            Processes.stop(prometheus, Duration.ofSeconds(20));
        }
    }

    @Test
    void an_unexpected_error_goes_to_sentry_with_its_request_id_and_route_and_nothing_of_the_request() throws Exception {
        // An operator's mistake the studio cannot mend: a table it reads is gone.
        try (var connection = java.sql.DriverManager.getConnection(database); var statement = connection.createStatement()) {
            statement.execute("alter table processor_dead_letters rename to processor_dead_letters_moved");
        }
        try {
            var failed = api.call("GET", "/api/v1/processors/markdown/dead-letters?secret=" + secrets.get(3), token, null, null,
                    Map.of("X-Request-Id", REQUEST_ID + "-error"));
            assertThat(failed.status()).isEqualTo(500);
            assertThat(failed.json().get("detail").asString()).contains(REQUEST_ID + "-error");

            String envelope = envelopes.poll(30, TimeUnit.SECONDS);
            assertThat(envelope).as("an envelope reached the Sentry stand-in").isNotNull();
            assertThat(envelope).startsWith("/api/42/envelope/").contains("\"request_id\":\"" + REQUEST_ID + "-error\"")
                    .contains("\"route\":\"/api/v1/processors/{name}/dead-letters\"").contains("processor_dead_letters");
            for (String secret : secrets) {
                assertThat(envelope).doesNotContain(secret);
            }
            assertThat(Files.readString(studio.log)).contains("failed (request id " + REQUEST_ID + "-error)")
                    .doesNotContain("dead-letters?secret").doesNotContain(secrets.get(3));
        } finally {
            try (var connection = java.sql.DriverManager.getConnection(database); var statement = connection.createStatement()) {
                statement.execute("alter table processor_dead_letters_moved rename to processor_dead_letters");
            }
        }
    }

    private static String scrape() {
        var response = api.call("GET", "/metrics", null, null, null, Map.of("Authorization", "Bearer " + METRICS_TOKEN));
        assertThat(response.status()).isEqualTo(200);
        return response.text();
    }

    /** Logback's JSON encoder lists key-value pairs as one-member objects. */
    private static String keyValue(JsonNode entry, String key) {
        return entry.path("kvpList").valueStream().filter(pair -> pair.has(key)).map(pair -> pair.get(key).asString())
                .findFirst().orElse(null);
    }

    private static JsonNode get(HttpClient http, String url) throws Exception {
        var response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return Api.JSON.readTree(response.body());
    }

    /** Asks {@code url} every half second, for at most a minute, until the answer passes. */
    private static JsonNode waitFor(HttpClient http, String url, Predicate<JsonNode> ready) throws Exception {
        JsonNode last = null;
        for (int attempt = 0; attempt < 120; attempt++) {
            try {
                last = get(http, url);
                if (ready.test(last)) {
                    return last;
                }
            } catch (IOException notYetListening) {
                last = null;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no good answer from " + url + " within a minute; last: " + last);
    }

    private static String run(List<String> command) throws Exception {
        return Processes.output(new ProcessBuilder(command), Duration.ofSeconds(60));
    }
}
