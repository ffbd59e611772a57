package studio.reyna.processor;

import studio.reyna.core.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** JSON literals for the tests. */
final class TestJson {
    private static final JsonMapper MAPPER = Json.newStoredMapper();

    private TestJson() {
    }

    static JsonNode json(String text) {
        return MAPPER.readTree(text);
    }

    static JsonNode settings(String text) {
        return json(text);
    }

    /** A blob's input: its data and an empty (accept-anything) schema. */
    static ProcessorInput blob(String data) {
        return ProcessorInput.ofBlob(json(data), json("{}"));
    }
}
