package studio.reyna.app;

import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Checks real responses against {@code /openapi.json}: the operation must exist, must document
 * the status it answered, and the body must be valid against the documented schema. Remembers
 * which operations were exercised, so a test can demand that every documented one was.
 */
final class OpenApiContract {
    private static final String BASE = "urn:reyna:openapi";

    private final JsonNode document;
    private final SchemaRegistry registry;
    private final Map<Pattern, String> pathTemplates = new LinkedHashMap<>();
    private final Set<String> exercised = ConcurrentHashMap.newKeySet();

    OpenApiContract() {
        try (InputStream in = OpenApiContract.class.getResourceAsStream("/openapi.json")) {
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            this.document = Api.JSON.readTree(text);
            this.registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                    builder -> builder.schemas(Map.of(BASE, text)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (String template : document.path("paths").propertyNames()) {
            String regex = "^" + template.replaceAll("\\{[^}]+}", "[^/]+") + "$";
            pathTemplates.put(Pattern.compile(regex), template);
        }
    }

    JsonNode document() {
        return document;
    }

    /** The problems of this exchange with respect to the document; empty when it conforms. */
    List<String> check(String method, String path, Api.Response response) {
        String bare = path.split("\\?")[0];
        String template = pathTemplates.entrySet().stream().filter(e -> e.getKey().matcher(bare).matches())
                .map(Map.Entry::getValue).findFirst().orElse(null);
        var problems = new ArrayList<String>();
        if (template == null) {
            problems.add("no path in openapi.json matches " + bare);
            return problems;
        }
        String verb = method.toLowerCase(java.util.Locale.ROOT);
        JsonNode operation = document.path("paths").path(template).path(verb);
        if (operation.isMissingNode()) {
            problems.add(method + " " + template + " is not documented");
            return problems;
        }
        exercised.add(method + " " + template);
        String status = Integer.toString(response.status());
        String responsePointer = "/paths/" + escape(template) + "/" + verb + "/responses/" + status;
        JsonNode documented = document.at(responsePointer);
        if (documented.isMissingNode()) {
            problems.add(method + " " + template + " does not document status " + status);
            return problems;
        }
        if (documented.has("$ref")) {
            responsePointer = documented.get("$ref").asString().substring(1);
            documented = document.at(responsePointer);
        }
        JsonNode content = documented.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (response.text() != null && !response.text().isEmpty()) {
                problems.add(method + " " + template + " " + status + " documents no body but one was sent");
            }
            return problems;
        }
        String mediaType = response.contentType() == null ? "" : response.contentType().split(";")[0].strip();
        if (!content.has(mediaType) && content.has("*/*")) {
            // A file answered with the media type it was stored with: its bytes have no schema to meet.
            return problems;
        }
        if (!content.has(mediaType)) {
            problems.add(method + " " + template + " " + status + " answered " + mediaType + ", documented: "
                    + content.propertyNames());
            return problems;
        }
        String schemaPointer = responsePointer + "/content/" + escape(mediaType) + "/schema";
        var schema = registry.getSchema(SchemaLocation.of(BASE + "#" + schemaPointer));
        for (var error : schema.validate(response.json())) {
            problems.add(method + " " + template + " " + status + ": " + error.getInstanceLocation() + " " + error.getMessage());
        }
        return problems;
    }

    /** Documented operations no exchange has reached yet. */
    Set<String> notExercised() {
        var missing = new TreeSet<String>();
        for (String template : document.path("paths").propertyNames()) {
            for (String verb : document.path("paths").path(template).propertyNames()) {
                if (Set.of("get", "post", "put", "patch", "delete").contains(verb)) {
                    String key = verb.toUpperCase(java.util.Locale.ROOT) + " " + template;
                    if (!exercised.contains(key)) {
                        missing.add(key);
                    }
                }
            }
        }
        return missing;
    }

    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
