package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/** {@code POST /batch}: up to 100 operations, applied all in one transaction or not at all. */
class BatchTest {
    private static final Api API = TestStudio.api();
    private static final Jdbi DB = TestDatabase.shared().jdbi();
    private static final String SCHEMA = """
            {"type":"object","required":["title"],"properties":{"title":{"type":"string","maxLength":50}}}""";

    private record World(String token, String schemaId, String bucket, String other) {
    }

    private static World world(String name) {
        String token = API.register(name).get("accessToken").asString();
        String schemaId = "batch-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Api.expect(API.post("/api/v1/schemas", token, Map.of("id", schemaId, "name", "Batch", "schema", json(SCHEMA))), 201);
        String bucket = Api.expect(API.post("/api/v1/buckets", token, Map.of("name", "One")), 201).get("id").asString();
        String other = Api.expect(API.post("/api/v1/buckets", token, Map.of("name", "Two")), 201).get("id").asString();
        return new World(token, schemaId, bucket, other);
    }

    @Test
    void a_hundred_creates_are_applied_in_one_transaction_with_an_event_each() {
        var world = world("hundred");
        var operations = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < 100; i++) {
            operations.add(create(world, world.bucket(), "Item " + i));
        }
        var results = Api.expect(batch(world.token(), operations), 200).get("results");
        assertThat(results).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(results.get(i).get("index").asInt()).isEqualTo(i);
            assertThat(results.get(i).get("status").asInt()).isEqualTo(201);
            assertThat(results.get(i).at("/blob/title").asString()).isEqualTo("Item " + i);
        }
        // Every row was written by one transaction (one transaction id), and each has its event.
        assertThat(count("select count(distinct xmin::text) from blobs where bucket_id = cast(? as uuid)", world.bucket())).isEqualTo(1);
        assertThat(count("select count(*) from blobs where bucket_id = cast(? as uuid)", world.bucket())).isEqualTo(100);
        assertThat(count("select count(*) from events where type = 'blob.created' and bucket_id = cast(? as uuid)", world.bucket()))
                .isEqualTo(100);
    }

    @Test
    void every_kind_of_operation_runs_in_order_and_answers_its_result() {
        var world = world("kinds");
        String edited = blob(world, world.bucket(), "Edit me");
        String moved = blob(world, world.bucket(), "Move me");
        String deleted = blob(world, world.bucket(), "Delete me");
        var results = Api.expect(batch(world.token(), List.of(
                create(world, world.bucket(), "New"),
                Map.of("op", "update", "blobId", edited, "ifMatch", "\"1\"", "data", json("{\"title\":\"Edited\"}")),
                Map.of("op", "move", "blobId", moved, "bucketId", world.other(), "ifMatch", 1),
                Map.of("op", "delete", "blobId", deleted),
                Map.of("op", "copy", "blobId", edited, "bucketId", world.other()))), 200).get("results");

        assertThat(results).extracting(r -> r.get("op").asString() + " " + r.get("status").asInt())
                .containsExactly("create 201", "update 200", "move 200", "delete 204", "copy 201");
        assertThat(results.get(1).at("/blob/version").asLong()).isEqualTo(2);
        assertThat(results.get(2).at("/blob/bucketId").asString()).isEqualTo(world.other());
        assertThat(results.get(3).has("blob")).isFalse();
        assertThat(results.get(4).at("/blob/title").asString()).as("the copy has the data as the update left it").isEqualTo("Edited");
        assertThat(results.get(4).at("/blob/id").asString()).isNotEqualTo(edited);
        assertThat(API.get("/api/v1/blobs/" + deleted, world.token()).status()).isEqualTo(404);
    }

    @Test
    void a_batch_with_one_failing_operation_changes_nothing_and_says_which_failed() {
        var world = world("failing");
        String edited = blob(world, world.bucket(), "Before");
        long eventsBefore = count("select count(*) from events where bucket_id = cast(? as uuid)", world.bucket());
        var refused = Api.expect(batch(world.token(), List.of(
                create(world, world.bucket(), "Would be created"),
                Map.of("op", "update", "blobId", edited, "ifMatch", 1, "data", json("{\"title\":\"Would be edited\"}")),
                create(world, world.bucket(), "x".repeat(51)))), 422);
        assertThat(refused.get("failedIndex").asInt()).isEqualTo(2);
        assertThat(refused.at("/errors/0/pointer").asString()).isEqualTo("/operations/2/data/title");
        assertThat(refused.get("results")).extracting(r -> r.get("status").asInt()).containsExactly(424, 424, 422);
        assertThat(refused.get("detail").asString()).contains("operation 2 (create) failed");

        // A stale version is the update's own 412; a blob of someone else's is 404.
        var stale = batch(world.token(), List.of(create(world, world.bucket(), "Also not created"),
                Map.of("op", "update", "blobId", edited, "ifMatch", 7, "data", json("{\"title\":\"Stale\"}"))));
        assertThat(Api.expect(stale, 412).get("failedIndex").asInt()).isEqualTo(1);
        var stranger = world("stranger");
        assertThat(Api.expect(batch(stranger.token(), List.of(create(stranger, stranger.bucket(), "Mine"),
                Map.of("op", "delete", "blobId", edited))), 404).get("failedIndex").asInt()).isEqualTo(1);
        assertThat(count("select count(*) from blobs where bucket_id = cast(? as uuid)", stranger.bucket())).isZero();

        var unchanged = Api.expect(API.get("/api/v1/blobs/" + edited, world.token()), 200);
        assertThat(unchanged.at("/data/title").asString()).isEqualTo("Before");
        assertThat(unchanged.get("version").asLong()).isEqualTo(1);
        assertThat(count("select count(*) from blobs where bucket_id = cast(? as uuid)", world.bucket())).isEqualTo(1);
        assertThat(count("select count(*) from events where bucket_id = cast(? as uuid)", world.bucket())).isEqualTo(eventsBefore);
    }

    @Test
    void more_than_a_hundred_or_malformed_operations_are_refused_before_any_runs() {
        var world = world("malformed");
        var tooMany = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < 101; i++) {
            tooMany.add(create(world, world.bucket(), "Item " + i));
        }
        var refused = Api.expect(batch(world.token(), tooMany), 422);
        assertThat(refused.at("/errors/0/pointer").asString()).isEqualTo("/operations");
        assertThat(refused.at("/errors/0/message").asString()).contains("1 to 100 operations; this one holds 101");
        assertThat(Api.expect(batch(world.token(), List.of()), 422).at("/errors/0/pointer").asString()).isEqualTo("/operations");
        assertThat(Api.expect(API.post("/api/v1/batch", world.token(), Map.of("operations", "all")), 422)
                .at("/errors/0/pointer").asString()).isEqualTo("/operations");

        var malformed = Api.expect(batch(world.token(), List.of(
                create(world, world.bucket(), "Fine"),
                Map.of("op", "rename", "blobId", world.bucket()),
                Map.of("op", "update", "blobId", "not-a-uuid", "data", json("{}")),
                Map.of("op", "update", "blobId", world.bucket(), "ifMatch", "W/\"1\"", "data", json("{}")),
                Map.of("op", "move", "blobId", world.bucket()))), 422);
        assertThat(malformed.get("errors")).extracting(e -> e.get("pointer").asString())
                .containsExactly("/operations/1/op", "/operations/2/blobId", "/operations/3/ifMatch", "/operations/4/bucketId");
        assertThat(count("select count(*) from blobs where bucket_id = cast(? as uuid)", world.bucket())).isZero();
    }

    private static Api.Response batch(String token, List<Map<String, Object>> operations) {
        return API.post("/api/v1/batch", token, Map.of("operations", operations));
    }

    private static Map<String, Object> create(World world, String bucket, String title) {
        var operation = new HashMap<String, Object>();
        operation.put("op", "create");
        operation.put("bucketId", bucket);
        operation.put("schemaId", world.schemaId());
        operation.put("data", Map.of("title", title));
        return operation;
    }

    private static String blob(World world, String bucket, String title) {
        return Api.expect(API.post("/api/v1/buckets/" + bucket + "/blobs", world.token(),
                Map.of("schemaId", world.schemaId(), "data", Map.of("title", title))), 201).get("id").asString();
    }

    private static long count(String sql, String bucket) {
        return DB.withHandle(h -> h.createQuery(sql).bind(0, bucket).mapTo(Long.class).one());
    }

    private static JsonNode json(String text) {
        return Api.JSON.readTree(text);
    }
}
