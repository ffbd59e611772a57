package studio.reyna.processor;

import java.util.ArrayList;
import java.util.List;
import studio.reyna.core.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A processor's settings schema, its defaults (read from the schema's {@code default}s, so the
 * two cannot disagree), and typed reads of a settings object. Reads fall back to the default
 * and clamp to the schema's bounds, so a processor stays within its limits even if handed
 * settings that were never validated.
 */
final class Settings {
    private static final JsonMapper MAPPER = Json.newStoredMapper();

    private final ObjectNode schema;
    private final ObjectNode defaults;

    private Settings(ObjectNode schema) {
        this.schema = schema;
        this.defaults = MAPPER.createObjectNode();
        schema.path("properties").properties().forEach(p -> defaults.set(p.getKey(), p.getValue().required("default")));
    }

    static Settings fromSchema(String schemaJson) {
        return new Settings((ObjectNode) MAPPER.readTree(schemaJson));
    }

    JsonNode schema() {
        return schema.deepCopy();
    }

    JsonNode defaults() {
        return defaults.deepCopy();
    }

    int integer(JsonNode settings, String name) {
        JsonNode value = settings.path(name);
        int chosen = value.isIntegralNumber() && value.canConvertToInt() ? value.intValue() : defaults.get(name).intValue();
        JsonNode property = schema.path("properties").path(name);
        return Math.clamp(chosen, property.path("minimum").asInt(Integer.MIN_VALUE), property.path("maximum").asInt(Integer.MAX_VALUE));
    }

    boolean bool(JsonNode settings, String name) {
        JsonNode value = settings.path(name);
        return value.isBoolean() ? value.booleanValue() : defaults.get(name).booleanValue();
    }

    List<String> strings(JsonNode settings, String name) {
        JsonNode value = settings.path(name);
        JsonNode chosen = value.isArray() ? value : defaults.get(name);
        var strings = new ArrayList<String>();
        chosen.values().forEach(item -> {
            if (item.isString()) {
                strings.add(item.stringValue());
            }
        });
        return strings;
    }
}
