package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * The official JSON-Schema-Test-Suite (draft 2020-12, all files but {@code refRemote.json}), run
 * through the public API as a user would: each case's schema is created as a schema, each test's
 * data is posted as a blob, and 201 versus 422 must agree with the suite's {@code valid}.
 */
class JsonSchemaSuiteTest {
    private static final Path SUITE = Path.of(System.getProperty("reyna.testSuiteDir",
            "../../shared/testdata/json-schema-test-suite"));

    /**
     * Cases the studio refuses on purpose (their schema is answered with 422 at creation, so none
     * of their tests can run), with the reason for each.
     */
    private static final String REMOTE = "refers to a schema on the suite's remote server (http://localhost:1234/); "
            + "the studio never fetches remote references";
    private static final String NUL = "contains U+0000, which PostgreSQL cannot store in JSON; the API refuses it with 422";
    private static final Map<String, String> REFUSED_ON_PURPOSE = Map.ofEntries(
            Map.entry("vocabulary.json: schema that uses custom metaschema with with no validation vocabulary", REMOTE),
            Map.entry("vocabulary.json: ignore unrecognized optional vocabulary", REMOTE),
            Map.entry("dynamicRef.json: strict-tree schema, guards against misspelled properties", REMOTE),
            Map.entry("dynamicRef.json: tests for implementation dynamic anchor and reference link", REMOTE),
            Map.entry("dynamicRef.json: $ref and $dynamicAnchor are independent of order - $defs first", REMOTE),
            Map.entry("dynamicRef.json: $ref and $dynamicAnchor are independent of order - $ref first", REMOTE),
            Map.entry("dynamicRef.json: $ref to $dynamicRef finds detached $dynamicAnchor", REMOTE),
            Map.entry("const.json: nul characters in strings", NUL),
            Map.entry("enum.json: nul characters in strings", NUL));

    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger TESTS = new AtomicInteger();

    private final Api api = TestStudio.api();
    private final String token = api.register("suite").get("accessToken").asString();
    private final String bucket = api.post("/api/v1/buckets", token, Map.of("name", "suite")).json().get("id").asString();

    @TestFactory
    Stream<DynamicNode> every_case_of_the_official_suite_agrees_with_the_api() throws IOException {
        assertThat(SUITE.resolve("type.json")).as("the test suite at " + SUITE.toAbsolutePath()).exists();
        var files = new TreeMap<String, Path>();
        try (var listing = Files.list(SUITE)) {
            listing.filter(p -> p.toString().endsWith(".json") && !p.getFileName().toString().equals("refRemote.json"))
                    .forEach(p -> files.put(p.getFileName().toString(), p));
        }
        var nodes = new ArrayList<DynamicNode>();
        for (var file : files.entrySet()) {
            JsonNode cases = Api.JSON.readTree(Files.readString(file.getValue()));
            var caseNodes = new ArrayList<DynamicNode>();
            int index = 0;
            for (JsonNode testCase : cases) {
                String name = file.getKey() + ": " + testCase.get("description").asString();
                int number = index++;
                caseNodes.add(DynamicTest.dynamicTest(testCase.get("description").asString(),
                        () -> runCase(name, file.getKey().replace(".json", "") + "-" + number, testCase)));
            }
            nodes.add(DynamicContainer.dynamicContainer(file.getKey(), caseNodes));
        }
        return nodes.stream();
    }

    private void runCase(String name, String slug, JsonNode testCase) {
        var created = api.post("/api/v1/schemas", token, Map.of(
                "name", name.length() > 200 ? name.substring(0, 200) : name, "schema", testCase.get("schema")));
        if (REFUSED_ON_PURPOSE.containsKey(name)) {
            assertThat(created.status()).as("refused on purpose: " + REFUSED_ON_PURPOSE.get(name)).isEqualTo(422);
            return;
        }
        assertThat(created.status()).as("creating the schema of '%s': %s", name, created.text()).isEqualTo(201);
        String schemaId = created.json().get("id").asString();
        var failures = new ArrayList<String>();
        for (JsonNode test : testCase.get("tests")) {
            TESTS.incrementAndGet();
            var body = Api.JSON.createObjectNode().put("schemaId", schemaId);
            body.set("data", test.get("data"));
            var response = api.post("/api/v1/buckets/" + bucket + "/blobs", token, body);
            int expected = test.get("valid").asBoolean() ? 201 : 422;
            if (response.status() == expected) {
                PASSED.incrementAndGet();
            } else {
                failures.add(test.get("description").asString() + ": expected " + expected + ", got " + response.status()
                        + " " + response.text());
            }
        }
        assertThat(failures).as(slug).isEmpty();
    }

    @AfterAll
    static void report() {
        System.out.printf("JSON-Schema-Test-Suite draft 2020-12 through the API: %d of %d tests passed "
                + "(%d cases refused on purpose, see REFUSED_ON_PURPOSE)%n", PASSED.get(), TESTS.get(), REFUSED_ON_PURPOSE.size());
    }
}
