package studio.reyna.state.blob;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Derives a blob's title and preview at write time, so lists and search are never stale.
 * The schema may point at the fields with {@code x-reyna-title} / {@code x-reyna-preview}
 * (a property name or a JSON Pointer); otherwise the title is the first non-blank string property
 * (in the order the schema declares its properties, then the data's order) and the preview joins
 * the string properties that follow.
 */
public record TitleAndPreview(String title, String preview) {
    static final int MAX_TITLE = 200;
    static final int MAX_PREVIEW = 280;

    public static TitleAndPreview of(JsonNode schema, JsonNode data) {
        String title = annotated(schema, "x-reyna-title", data);
        String preview = annotated(schema, "x-reyna-preview", data);
        if (data.isString()) {
            return new TitleAndPreview(clip(title != null ? title : data.asString(), MAX_TITLE),
                    clip(preview == null ? "" : preview, MAX_PREVIEW));
        }
        List<String> strings = topLevelStrings(schema, data);
        if (title == null) {
            title = strings.isEmpty() ? "" : strings.removeFirst();
        } else {
            strings.remove(title);
        }
        if (preview == null) {
            preview = String.join(" · ", strings);
        }
        return new TitleAndPreview(clip(title, MAX_TITLE), clip(preview, MAX_PREVIEW));
    }

    private static String annotated(JsonNode schema, String keyword, JsonNode data) {
        JsonNode where = schema.path(keyword);
        if (!where.isString() || !data.isContainer()) {
            return null;
        }
        String path = where.asString();
        JsonNode value = path.startsWith("/") ? data.at(path) : data.path(path);
        return value.isString() || value.isNumber() ? value.asString() : null;
    }

    private static List<String> topLevelStrings(JsonNode schema, JsonNode data) {
        var strings = new ArrayList<String>();
        if (!data.isObject()) {
            return strings;
        }
        var keys = new LinkedHashSet<String>();
        if (schema.path("properties").isObject()) {
            keys.addAll(schema.path("properties").propertyNames());
        }
        keys.addAll(data.propertyNames());
        for (String key : keys) {
            JsonNode value = data.path(key);
            if (value.isString() && !value.asString().isBlank()) {
                strings.add(value.asString().strip());
            }
        }
        return strings;
    }

    /** Shortens to {@code max} characters on one line, without splitting a surrogate pair. */
    static String clip(String text, int max) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        if (oneLine.length() <= max) {
            return oneLine;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
            end--;
        }
        return oneLine.substring(0, end) + "…";
    }
}
