package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * A schema that evolves v1 → v2 → v3 with declarative migrations while blobs exist at each version:
 * reads show old blobs migrated without writing them, a migration that would break stored blobs is
 * refused, and {@code reyna schema migrate} rewrites them to exactly what the reads showed.
 */
class SchemaEvolutionTest {
    private static final Api API = TestStudio.api();

    private static final String V1 = """
            {"type":"object","required":["name"],"properties":{"name":{"type":"string"},"tag":{"type":"string"}},
             "additionalProperties":false}""";
    /** name became title; the one tag became a list. */
    private static final String V2 = """
            {"type":"object","required":["title"],"properties":{"title":{"type":"string"},
             "tag":{"type":"array","items":{"type":"string"}}},"additionalProperties":false}""";
    private static final String V1_TO_V2 = """
            [{"op":"move","from":"/name","path":"/title"},{"op":"wrap","path":"/tag"}]""";
    /** The list is called tags and always present; a status is required. */
    private static final String V3 = """
            {"type":"object","required":["title","tags","status"],"properties":{"title":{"type":"string"},
             "tags":{"type":"array","items":{"type":"string"}},"status":{"enum":["draft","published"]}},
             "additionalProperties":false}""";
    private static final String V2_TO_V3 = """
            [{"op":"move","from":"/tag","path":"/tags"},{"op":"default","path":"/tags","value":[]},
             {"op":"add","path":"/status","value":"draft"}]""";

    private record World(String token, String schemaId, String bucketId, String alpha, String beta, String gamma) {
    }

    /** A schema at v3 with blobs stored at v1 (alpha with a tag, beta without) and v2 (gamma). */
    private static World world(String name) {
        String token = API.register(name).get("accessToken").asString();
        String schemaId = "evolving-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Api.expect(API.post("/api/v1/schemas", token, Map.of("id", schemaId, "name", "Evolving", "schema", json(V1))), 201);
        String bucketId = Api.expect(API.post("/api/v1/buckets", token, Map.of("name", "Notes")), 201).get("id").asString();
        String alpha = create(token, bucketId, schemaId, "{\"name\":\"Alpha\",\"tag\":\"x\"}");
        String beta = create(token, bucketId, schemaId, "{\"name\":\"Beta\"}");
        publish(token, schemaId, V2, V1_TO_V2, 201);
        String gamma = create(token, bucketId, schemaId, "{\"title\":\"Gamma\",\"tag\":[\"y\",\"z\"]}");
        publish(token, schemaId, V3, V2_TO_V3, 201);
        return new World(token, schemaId, bucketId, alpha, beta, gamma);
    }

    @Test
    void old_blobs_read_migrated_to_the_latest_or_the_asked_version_without_being_written() {
        var world = world("lazy");
        var alpha = read(world, world.alpha(), "");
        assertThat(alpha.get("data")).isEqualTo(json("{\"title\":\"Alpha\",\"tags\":[\"x\"],\"status\":\"draft\"}"));
        assertThat(alpha.get("schemaVersion").asInt()).isEqualTo(3);
        assertThat(alpha.get("storedSchemaVersion").asInt()).isEqualTo(1);
        assertThat(alpha.get("title").asString()).as("derived from the migrated data").isEqualTo("Alpha");
        assertThat(alpha.get("version").asLong()).isEqualTo(1);
        assertThat(read(world, world.beta(), "").get("data"))
                .isEqualTo(json("{\"title\":\"Beta\",\"tags\":[],\"status\":\"draft\"}"));
        assertThat(read(world, world.gamma(), "").get("data"))
                .isEqualTo(json("{\"title\":\"Gamma\",\"tags\":[\"y\",\"z\"],\"status\":\"draft\"}"));

        var alphaAt2 = read(world, world.alpha(), "?schemaVersion=2");
        assertThat(alphaAt2.get("data")).isEqualTo(json("{\"title\":\"Alpha\",\"tag\":[\"x\"]}"));
        assertThat(alphaAt2.get("schemaVersion").asInt()).isEqualTo(2);
        assertThat(read(world, world.alpha(), "?schemaVersion=1").get("data")).isEqualTo(json("{\"name\":\"Alpha\",\"tag\":\"x\"}"));
        assertThat(problem(API.get("/api/v1/blobs/" + world.gamma() + "?schemaVersion=1", world.token()), 422))
                .isEqualTo("/schemaVersion");
        assertThat(problem(API.get("/api/v1/blobs/" + world.gamma() + "?schemaVersion=4", world.token()), 422))
                .isEqualTo("/schemaVersion");
        assertThat(problem(API.get("/api/v1/blobs/" + world.gamma() + "?schemaVersion=two", world.token()), 422))
                .isEqualTo("/schemaVersion");

        // Reading wrote nothing; the next write stores the latest version.
        assertThat(storedVersions(world)).containsExactly(1, 1, 2);
        var edited = alpha.get("data").deepCopy();
        ((tools.jackson.databind.node.ObjectNode) edited).put("status", "published");
        var written = Api.expect(API.call("PUT", "/api/v1/blobs/" + world.alpha(), world.token(), "application/json",
                Api.JSON.writeValueAsString(Map.of("data", edited)), Map.of("If-Match", "\"1\"")), 200);
        assertThat(written.get("storedSchemaVersion").asInt()).isEqualTo(3);
        assertThat(written.get("schemaVersion").asInt()).isEqualTo(3);
    }

    @Test
    void a_migration_that_would_leave_stored_blobs_invalid_is_refused_with_examples_and_nothing_is_published() {
        var world = world("refused");
        // v4 requires a summary that neither old nor new blobs have, and the migration supplies none.
        var refused = Api.expect(publish(world.token(), world.schemaId(), """
                {"type":"object","required":["title","summary"]}""", "[{\"op\":\"remove\",\"path\":\"/status\"}]", 422), 422);
        assertThat(refused.get("errors")).hasSize(3);
        assertThat(refused.get("errors").get(0).get("pointer").asString()).isEqualTo("/migration");
        assertThat(refused.get("errors").get(0).get("message").asString())
                .startsWith("blob " + world.alpha() + " (stored at version 1) would not be valid: /data")
                .contains("summary");
        // An operation that cannot apply (its parent is missing) points at itself.
        var broken = Api.expect(publish(world.token(), world.schemaId(), "{}",
                "[{\"op\":\"remove\",\"path\":\"/x\"},{\"op\":\"add\",\"path\":\"/meta/created\",\"value\":0}]", 422), 422);
        assertThat(broken.at("/errors/0/pointer").asString()).isEqualTo("/migration/1");
        assertThat(broken.at("/errors/0/message").asString()).contains("parent does not exist");
        assertThat(Api.expect(API.get("/api/v1/schemas/" + world.schemaId(), world.token()), 200).get("version").asInt())
                .isEqualTo(3);

        // Without a migration a version is published, and the stored blobs read at their own version.
        publish(world.token(), world.schemaId(), "{\"type\":\"object\",\"required\":[\"title\",\"summary\"]}", null, 201);
        var alpha = read(world, world.alpha(), "");
        assertThat(alpha.get("schemaVersion").asInt()).isEqualTo(1);
        assertThat(alpha.get("data")).isEqualTo(json("{\"name\":\"Alpha\",\"tag\":\"x\"}"));
        assertThat(problem(API.get("/api/v1/blobs/" + world.alpha() + "?schemaVersion=4", world.token()), 422))
                .isEqualTo("/schemaVersion");
        assertThat(read(world, world.alpha(), "?schemaVersion=3").get("schemaVersion").asInt()).isEqualTo(3);
    }

    @Test
    void data_written_at_an_older_version_must_read_at_the_latest_once_migrated() {
        String token = API.register("older-client").get("accessToken").asString();
        String schemaId = "counted-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Api.expect(API.post("/api/v1/schemas", token, Map.of("id", schemaId, "name", "Counted", "schema", json("{}"))), 201);
        String bucketId = Api.expect(API.post("/api/v1/buckets", token, Map.of("name", "Counts")), 201).get("id").asString();
        create(token, bucketId, schemaId, "{\"x\":1}");
        publish(token, schemaId, "{\"required\":[\"n\"],\"properties\":{\"n\":{\"type\":\"integer\"}}}",
                "[{\"op\":\"default\",\"path\":\"/n\",\"value\":0}]", 201);

        var fits = API.post("/api/v1/buckets/" + bucketId + "/blobs", token,
                Map.of("schemaId", schemaId, "schemaVersion", 1, "data", json("{\"y\":2}")));
        assertThat(Api.expect(fits, 201).at("/data/n").isMissingNode()).as("stored as written, at version 1").isTrue();
        var misfit = API.post("/api/v1/buckets/" + bucketId + "/blobs", token,
                Map.of("schemaId", schemaId, "schemaVersion", 1, "data", json("{\"n\":\"many\"}")));
        assertThat(problem(misfit, 422)).isEqualTo("/schemaVersion");
        assertThat(misfit.json().at("/errors/0/message").asString()).contains("latest version 2", "/data/n");
    }

    @Test
    void the_migrate_command_rewrites_blobs_to_what_reads_showed_and_a_second_run_finds_nothing_left() throws Exception {
        var world = world("eager");
        var lazily = new ArrayList<JsonNode>();
        for (String id : List.of(world.alpha(), world.beta(), world.gamma())) {
            lazily.add(read(world, id, ""));
        }

        String first = migrate(world.schemaId());
        assertThat(first).contains("3/3 blobs").contains("3 blobs rewritten at version 3, 0 left at their own version");
        for (int i = 0; i < 3; i++) {
            var eagerly = read(world, lazily.get(i).get("id").asString(), "");
            assertThat(eagerly.get("data")).isEqualTo(lazily.get(i).get("data"));
            assertThat(eagerly.get("title")).isEqualTo(lazily.get(i).get("title"));
            assertThat(eagerly.get("storedSchemaVersion").asInt()).isEqualTo(3);
            assertThat(eagerly.get("version").asLong()).as("a rewrite is a write").isEqualTo(lazily.get(i).get("version").asLong() + 1);
        }
        assertThat(storedVersions(world)).containsExactly(3, 3, 3);
        int updates = TestDatabase.shared().jdbi().withHandle(h -> h.createQuery(
                        "select count(*) from events where type = 'blob.updated' and bucket_id = cast(:bucket as uuid)")
                .bind("bucket", world.bucketId()).mapTo(Integer.class).one());
        assertThat(updates).as("one event per rewritten blob").isEqualTo(3);

        assertThat(migrate(world.schemaId())).contains("0 blobs rewritten at version 3");
    }

    /** Runs {@code reyna schema migrate} as its own process against the test studio's database. */
    private static String migrate(String schemaId) throws Exception {
        var outcome = Processes.reyna(Map.of("REYNA_DB_URL", TestDatabase.sharedJdbcUrl()), Duration.ofSeconds(60),
                "schema", "migrate", schemaId, "--batch-size", "2");
        assertThat(outcome.exit()).as(outcome.output()).isZero();
        return outcome.output();
    }

    private static List<Integer> storedVersions(World world) {
        return TestDatabase.shared().jdbi().withHandle(h -> h.createQuery(
                        "select schema_version from blobs where bucket_id = cast(:bucket as uuid) order by id")
                .bind("bucket", world.bucketId()).mapTo(Integer.class).list());
    }

    private static String create(String token, String bucketId, String schemaId, String data) {
        return Api.expect(API.post("/api/v1/buckets/" + bucketId + "/blobs", token,
                Map.of("schemaId", schemaId, "data", json(data))), 201).get("id").asString();
    }

    private static Api.Response publish(String token, String schemaId, String schema, String migration, int status) {
        var body = new java.util.HashMap<String, Object>();
        body.put("schema", json(schema));
        if (migration != null) {
            body.put("migration", json(migration));
        }
        var response = API.post("/api/v1/schemas/" + schemaId + "/versions", token, body);
        Api.expect(response, status);
        return response;
    }

    private static JsonNode read(World world, String blobId, String query) {
        return Api.expect(API.get("/api/v1/blobs/" + blobId + query, world.token()), 200);
    }

    /** The pointer of a problem's first error, after asserting its status. */
    private static String problem(Api.Response response, int status) {
        return Api.expect(response, status).at("/errors/0/pointer").asString();
    }

    private static JsonNode json(String text) {
        return Api.JSON.readTree(text);
    }
}
