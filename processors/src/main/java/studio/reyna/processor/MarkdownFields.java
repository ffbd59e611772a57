package studio.reyna.processor;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import studio.reyna.core.json.Json;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;

/**
 * Finds the string values of a blob's data whose schema says {@code "contentMediaType": "text/markdown"}.
 *
 * <p>Data and schema are walked together: at each value, the subschemas that apply to it are
 * those reached through {@code properties}, {@code additionalProperties}, {@code prefixItems} and
 * {@code items}, plus everything those reach through {@code $ref} (fragments within the same
 * document only: {@code #} or {@code #/...}, never a remote schema) and {@code allOf},
 * {@code anyOf} and {@code oneOf}. Branches are not validated again, so a field that is markdown
 * in any branch is rendered. Each subschema is considered once per value, so recursive and
 * self-referencing schemas cost no more than their size.
 */
final class MarkdownFields {
    private static final String MARKDOWN = "text/markdown";

    private final JsonNode document;
    private final Map<JsonPointer, String> found = new LinkedHashMap<>();

    private MarkdownFields(JsonNode document) {
        this.document = document;
    }

    /** The markdown fields of {@code data}, by JSON Pointer, in document order. */
    static Map<JsonPointer, String> find(JsonNode schemaDocument, JsonNode data) {
        var fields = new MarkdownFields(schemaDocument);
        Set<JsonNode> root = identitySet();
        fields.addApplicable(schemaDocument, root);
        fields.visit(root, data, JsonPointer.empty(), 0);
        return fields.found;
    }

    private void visit(Set<JsonNode> schemas, JsonNode value, JsonPointer at, int depth) {
        if (value.isString()) {
            if (schemas.stream().anyMatch(s -> MARKDOWN.equals(s.path("contentMediaType").stringValue(null)))) {
                found.put(at, value.stringValue());
            }
            return;
        }
        if (depth >= Json.MAX_NESTING_DEPTH) {
            return;
        }
        if (value.isObject()) {
            for (var property : value.properties()) {
                Set<JsonNode> applicable = identitySet();
                for (JsonNode schema : schemas) {
                    addApplicable(propertySchema(schema, property.getKey()), applicable);
                }
                if (!applicable.isEmpty()) {
                    visit(applicable, property.getValue(), at.appendProperty(property.getKey()), depth + 1);
                }
            }
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                Set<JsonNode> applicable = identitySet();
                for (JsonNode schema : schemas) {
                    addApplicable(itemSchema(schema, i), applicable);
                }
                if (!applicable.isEmpty()) {
                    visit(applicable, value.get(i), at.appendIndex(i), depth + 1);
                }
            }
        }
    }

    private static JsonNode propertySchema(JsonNode schema, String name) {
        JsonNode declared = schema.path("properties").path(name);
        return declared.isMissingNode() ? schema.path("additionalProperties") : declared;
    }

    private static JsonNode itemSchema(JsonNode schema, int index) {
        JsonNode prefix = schema.path("prefixItems");
        return index < prefix.size() ? prefix.get(index) : schema.path("items");
    }

    /** Adds {@code schema} and every subschema it brings in at the same value, without recursion. */
    private void addApplicable(JsonNode schema, Set<JsonNode> into) {
        var pending = new ArrayDeque<JsonNode>();
        pending.push(schema);
        while (!pending.isEmpty()) {
            JsonNode next = pending.pop();
            if (!next.isObject() || !into.add(next)) {
                continue;
            }
            JsonNode ref = next.path("$ref");
            if (ref.isString()) {
                JsonNode target = resolve(ref.stringValue());
                if (target != null) {
                    pending.push(target);
                }
            }
            for (String combinator : new String[] {"allOf", "anyOf", "oneOf"}) {
                next.path(combinator).values().forEach(pending::push);
            }
        }
    }

    /** A fragment reference into this document, or {@code null} for anything else. */
    private JsonNode resolve(String ref) {
        if (!ref.startsWith("#")) {
            return null;
        }
        try {
            String pointer = URLDecoder.decode(ref.substring(1).replace("+", "%2B"), StandardCharsets.UTF_8);
            JsonNode target = document.at(JsonPointer.compile(pointer));
            return target.isMissingNode() ? null : target;
        } catch (IllegalArgumentException notAPointer) {
            // "#anchor" names a $anchor, not a path; anchors are not followed.
            return null;
        }
    }

    private static Set<JsonNode> identitySet() {
        return Collections.newSetFromMap(new IdentityHashMap<>());
    }
}
