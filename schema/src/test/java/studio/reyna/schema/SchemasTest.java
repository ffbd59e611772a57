package studio.reyna.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import studio.reyna.core.Ids;
import studio.reyna.core.json.Json;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.ForbiddenException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.db.TestDatabase;
import studio.reyna.events.EventLog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class SchemasTest {
    private static final JsonMapper JSON = Json.newMapper(1_000_000);
    private final Jdbi jdbi = TestDatabase.shared().jdbi();
    private final Ids ids = new Ids(Clock.systemUTC());
    private final EventLog events = new EventLog(jdbi, ids, Clock.systemUTC(), JSON);
    private final Schemas schemas = new Schemas(jdbi, events, ids, JSON);

    /** No stored documents to keep valid. */
    private static final Schemas.ExistingDocuments NONE = proposal -> java.util.List.of();

    private UUID newUser() {
        UUID id = UUID.randomUUID();
        jdbi.useHandle(h -> h.execute("insert into users (id, email, display_name, password_hash) values (?, ?, 'T', 'x')",
                id, id + "@example.org"));
        return id;
    }

    private static JsonNode json(String text) {
        return JSON.readTree(text);
    }

    private static String uniqueId(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void creates_version_one_and_publishes_the_next_versions_in_order() {
        UUID owner = newUser();
        String id = uniqueId("note");
        var v1 = schemas.create(owner, new NewSchema(id, "Note", null, json("{\"type\":\"object\"}")));
        var v2 = schemas.publish(owner, id, json("{\"type\":\"object\",\"required\":[\"title\"]}"), null, NONE);

        assertThat(v1.version()).isEqualTo(1);
        assertThat(v2.version()).isEqualTo(2);
        assertThat(schemas.info(id).latestVersion()).isEqualTo(2);
        assertThat(schemas.latest(id).document().get("required").get(0).asString()).isEqualTo("title");
        assertThat(schemas.version(id, 1).document()).isEqualTo(json("{\"type\":\"object\"}"));
        events.assignPositions(100_000);
        assertThat(events.readVisible(owner, 0, 10)).extracting(e -> e.subject())
                .containsExactly("schema.published." + id + "." + owner, "schema.published." + id + "." + owner);
    }

    @Test
    void keeps_the_order_in_which_a_schema_declares_its_properties() {
        UUID owner = newUser();
        String id = uniqueId("ordered");
        schemas.create(owner, new NewSchema(id, "Ordered", null,
                json("{\"properties\":{\"zeta\":{},\"title\":{},\"a\":{}}}")));
        assertThat(schemas.version(id, 1).document().get("properties").propertyNames())
                .containsExactly("zeta", "title", "a");
    }

    @Test
    void chooses_an_id_when_none_is_given_and_lists_page_by_page() {
        UUID owner = newUser();
        var a = schemas.create(owner, new NewSchema(null, "A", "first", json("true")));
        assertThat(a.schemaId()).matches("[0-9a-f-]{36}");
        schemas.create(owner, new NewSchema(null, "B", null, json("{}")));
        var first = schemas.list(PageRequest.first(1));
        assertThat(first.items()).hasSize(1);
        assertThat(first.nextCursor()).isNotNull();
        var second = schemas.list(PageRequest.parse("1", first.nextCursor()));
        assertThat(second.items().get(0).id()).isGreaterThan(first.items().get(0).id());
    }

    @Test
    void refuses_a_document_that_is_not_json_schema_with_a_pointer_to_the_fault() {
        UUID owner = newUser();
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("bad"), "Bad", null,
                json("{\"type\":\"text\",\"minLength\":-1}"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).contains("/schema/type", "/schema/minLength"));
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("bad"), "Bad", null, json("[1]"))))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("old"), "Old", null,
                json("{\"$schema\":\"http://json-schema.org/draft-07/schema#\"}"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).containsExactly("/schema/$schema"));
    }

    @Test
    void refuses_a_schema_whose_reference_cannot_be_resolved_without_fetching_anything() {
        UUID owner = newUser();
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("remote"), "Remote", null,
                json("{\"$ref\":\"http://127.0.0.1:9/never.json\"}"))))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("dangling"), "Dangling", null,
                json("{\"properties\":{\"a\":{\"$ref\":\"#/$defs/missing\"}}}"))))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void never_fetches_a_remote_reference_even_when_the_server_would_answer() throws Exception {
        var requests = new java.util.concurrent.atomic.AtomicInteger();
        var server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] body = "{\"type\":\"string\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/schema+json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/string.json";
            assertThatThrownBy(() -> schemas.create(newUser(), new NewSchema(uniqueId("remote"), "Remote", null,
                    json("{\"$ref\":\"" + url + "\"}"))))
                    .isInstanceOf(ValidationException.class);
            assertThat(requests.get()).as("requests that reached the remote server").isZero();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void refuses_a_schema_that_recurses_without_end_and_survives_one_that_does_so_only_for_some_data() {
        UUID owner = newUser();
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("loop"), "Loop", null,
                json("{\"$ref\":\"#/$defs/a\",\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}}}"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors().getFirst().message())
                        .contains("refers to itself without end"));
        String id = uniqueId("hidden-loop");
        schemas.create(owner, new NewSchema(id, "Hidden loop", null, json("""
                {"properties":{"x":{"$ref":"#/$defs/a"}},"$defs":{"a":{"$ref":"#/$defs/a"}}}""")));
        assertThat(schemas.compiled(id, 1).violations(json("{\"x\":1}")))
                .extracting(FieldError::message).singleElement().asString().contains("refers to itself without end");
        assertThat(schemas.compiled(id, 1).violations(json("{\"y\":1}"))).isEmpty();
    }

    @Test
    void loads_nothing_from_the_classpath_but_the_meta_schema() {
        UUID owner = newUser();
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("cp"), "Classpath", null,
                json("{\"$ref\":\"classpath:draft-07/schema\"}"))))
                .isInstanceOf(ValidationException.class);
        String id = uniqueId("meta");
        schemas.create(owner, new NewSchema(id, "Uses the meta-schema", null,
                json("{\"$ref\":\"https://json-schema.org/draft/2020-12/schema\"}")));
        assertThat(schemas.compiled(id, 1).violations(json("{\"type\":\"string\"}"))).isEmpty();
        assertThat(schemas.compiled(id, 1).violations(json("{\"type\":12}"))).isNotEmpty();
    }

    @Test
    void a_pattern_that_backtracks_for_ever_is_stopped_and_reported() {
        UUID owner = newUser();
        String id = uniqueId("redos");
        schemas.create(owner, new NewSchema(id, "Catastrophic", null,
                json("{\"type\":\"string\",\"pattern\":\"^(.*a){20}$\"}")));
        var violations = schemas.compiled(id, 1).violations(json("\"" + "a".repeat(60) + "!\""));
        assertThat(violations).extracting(FieldError::message).singleElement().asString()
                .contains("takes too long to match");
        assertThat(schemas.compiled(id, 1).violations(json("\"aaaaaaaaaaaaaaaaaaaa\""))).isEmpty();
    }

    @Test
    void refuses_a_dialect_that_is_not_a_string_and_a_migration_that_is_not_an_array_of_operations() {
        UUID owner = newUser();
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema(uniqueId("d"), "D", null, json("{\"$schema\":{}}"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).containsExactly("/schema/$schema"));
        String id = uniqueId("m");
        schemas.create(owner, new NewSchema(id, "M", null, json("{}")));
        assertThatThrownBy(() -> schemas.publish(owner, id, json("{}"), json("[{\"op\":\"replace\",\"path\":\"/a\"}]"), NONE))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).containsExactly("/migration/0/op"));
        assertThat(schemas.info(id).latestVersion()).isEqualTo(1);
        assertThat(schemas.publish(owner, id, json("{}"), json("[]"), NONE).migration()).isEqualTo(json("[]"));
    }

    @Test
    void a_version_whose_migration_stored_documents_refuse_is_not_published() {
        UUID owner = newUser();
        String id = uniqueId("r");
        schemas.create(owner, new NewSchema(id, "R", null, json("{\"type\":\"object\"}")));
        var seen = new java.util.ArrayList<Schemas.Proposal>();
        Schemas.ExistingDocuments refusing = proposal -> {
            seen.add(proposal);
            return java.util.List.of(new FieldError("/migration", "a blob at version 1: /data/n: required"));
        };
        assertThatThrownBy(() -> schemas.publish(owner, id, json("{\"required\":[\"n\"]}"),
                json("[{\"op\":\"move\",\"from\":\"/count\",\"path\":\"/n\"}]"), refusing))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::message).containsExactly("a blob at version 1: /data/n: required"));
        assertThat(schemas.info(id).latestVersion()).isEqualTo(1);
        assertThat(seen).singleElement().satisfies(p -> {
            assertThat(p.from()).isEqualTo(1);
            assertThat(p.next().version().version()).isEqualTo(2);
            assertThat(p.next().violations(json("{}"))).isNotEmpty();
        });
    }

    @Test
    void documents_upgrade_through_each_versions_migration_and_stay_put_past_a_version_without_one() throws Exception {
        UUID owner = newUser();
        String id = uniqueId("chain");
        schemas.create(owner, new NewSchema(id, "Chain", null, json("{}")));
        schemas.publish(owner, id, json("{}"), json("[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/b\"}]"), NONE);
        schemas.publish(owner, id, json("{}"), json("[{\"op\":\"wrap\",\"path\":\"/b\"}]"), NONE);
        schemas.publish(owner, id, json("{}"), null, NONE);

        assertThat(schemas.upgrade(id, 1, 3, json("{\"a\":1}"))).contains(json("{\"b\":[1]}"));
        assertThat(schemas.upgrade(id, 2, 3, json("{\"b\":2}"))).contains(json("{\"b\":[2]}"));
        assertThat(schemas.upgrade(id, 3, 3, json("{\"x\":3}"))).contains(json("{\"x\":3}"));
        assertThat(schemas.upgrade(id, 1, 4, json("{\"a\":1}"))).isEmpty();
        assertThatThrownBy(() -> schemas.upgrade(id, 3, 2, json("{}"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refuses_bad_ids_names_and_duplicates() {
        UUID owner = newUser();
        assertThatThrownBy(() -> schemas.create(owner, new NewSchema("Has.Dots", "", null, json("{}"))))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).containsExactly("/id", "/name"));
        String id = uniqueId("dup");
        schemas.create(owner, new NewSchema(id, "One", null, json("{}")));
        assertThatThrownBy(() -> schemas.create(newUser(), new NewSchema(id, "Two", null, json("{}"))))
                .isInstanceOf(ConflictException.class);
    }

    @Test
    void only_the_owner_publishes_and_unknown_schemas_are_not_found() {
        UUID owner = newUser();
        String id = uniqueId("owned");
        schemas.create(owner, new NewSchema(id, "Owned", null, json("{}")));
        assertThatThrownBy(() -> schemas.publish(newUser(), id, json("{}"), null, NONE)).isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> schemas.publish(owner, "nope-" + id, json("{}"), null, NONE)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> schemas.version(id, 7)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> schemas.publish(owner, id, json("{}"), json("{\"op\":\"add\"}"), NONE))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).containsExactly("/migration"));
    }

    @Test
    void validates_data_with_one_violation_per_failed_keyword() {
        UUID owner = newUser();
        String id = uniqueId("person");
        schemas.create(owner, new NewSchema(id, "Person", null, json("""
                {"type":"object","required":["name"],
                 "properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0}}}""")));
        var compiled = schemas.compiled(id, 1);
        assertThat(compiled.violations(json("{\"name\":\"Ann\",\"age\":3}"))).isEmpty();
        var violations = compiled.violations(json("{\"age\":-1,\"name\":5}"));
        assertThat(violations).extracting(FieldError::pointer).containsExactlyInAnyOrder("/age", "/name");
        assertThat(compiled.violations(json("{}"))).extracting(FieldError::pointer).containsExactly("");
        violations.forEach(v -> assertThat(v.message()).isNotBlank());
        System.out.println(violations);
    }
}
