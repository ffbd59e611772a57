package studio.reyna.processor;

import java.util.ArrayList;
import java.util.List;
import studio.reyna.core.json.Json;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;

/** The string values of a blob's data that the text processors read, in document order. */
final class Texts {
    /** The settings property both text processors use to narrow their input to some fields. */
    static final String FIELDS = "fields";

    /** Its schema: JSON Pointers into the data; none means every string value. */
    static final String FIELDS_SCHEMA = """
            {"type": "array", "maxItems": 100, "uniqueItems": true, "default": [],
             "description": "JSON Pointers (e.g. \\"/body\\") of the fields to read, strings nested below them included; empty: every string value of the data.",
             "items": {"type": "string", "pattern": "^(/.*)?$", "maxLength": 1024}}""";

    private Texts() {
    }

    /**
     * Every string value below the given pointers (property names are not text); every string
     * value of {@code data} when there are none. A pointer that names nothing is skipped, and a
     * field below another listed field is read once.
     */
    static List<String> collect(JsonNode data, List<String> pointers) {
        var strings = new ArrayList<String>();
        if (pointers.isEmpty()) {
            walk(data, 0, strings);
            return strings;
        }
        for (String pointer : withoutNested(pointers)) {
            if (!pointer.isEmpty() && !pointer.startsWith("/")) {
                // Not a JSON Pointer; the settings schema refuses it, so only unvalidated settings get here.
                continue;
            }
            walk(data.at(JsonPointer.compile(pointer)), 0, strings);
        }
        return strings;
    }

    private static List<String> withoutNested(List<String> pointers) {
        var kept = new ArrayList<String>();
        for (String pointer : pointers) {
            boolean covered = pointers.stream().anyMatch(other -> !other.equals(pointer) && (other.isEmpty() || pointer.startsWith(other + "/")));
            if (!covered && !kept.contains(pointer)) {
                kept.add(pointer);
            }
        }
        return kept;
    }

    private static void walk(JsonNode node, int depth, List<String> into) {
        if (node.isString()) {
            into.add(node.stringValue());
        } else if (node.isContainer() && depth < Json.MAX_NESTING_DEPTH) {
            node.values().forEach(child -> walk(child, depth + 1, into));
        }
    }
}
