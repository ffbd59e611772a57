package studio.reyna.schema;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.util.ArrayList;
import java.util.List;
import studio.reyna.core.problem.FieldError;
import tools.jackson.databind.JsonNode;

/**
 * JSON Schema draft 2020-12 through networknt: checks that a document is a schema, compiles it,
 * validates data. Remote references are never fetched (a schema must be self-contained), so
 * publishing a schema can make the server reach nothing on the network.
 */
final class JsonSchemaDialect {
    static final String DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

    private final Schema metaSchema;

    JsonSchemaDialect() {
        this.metaSchema = newRegistry().getSchema(SchemaLocation.of(DRAFT_2020_12));
        this.metaSchema.initializeValidators();
    }

    /**
     * Every reason {@code document} is not a usable 2020-12 schema, as pointers relative to it;
     * empty when it is one.
     */
    List<FieldError> problemsOf(JsonNode document) {
        if (!document.isObject() && !document.isBoolean()) {
            return List.of(new FieldError("", "a schema is a JSON object (or true/false)"));
        }
        JsonNode dialect = document.path("$schema");
        if (!dialect.isMissingNode() && (!dialect.isString() || !DRAFT_2020_12.equals(dialect.asString().replaceAll("#$", "")))) {
            return List.of(new FieldError("/$schema", "only JSON Schema draft 2020-12 (" + DRAFT_2020_12 + ") is supported"));
        }
        var problems = new ArrayList<FieldError>();
        for (var error : metaSchema.validate(document)) {
            problems.add(new FieldError(pointer(error.getInstanceLocation()), error.getMessage()));
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        try {
            Schema schema = compile(document);
            // A reference cycle that consumes no data ({"$ref":"#"}) loops on every document: try a few now.
            for (JsonNode sample : SAMPLES) {
                violations(schema, sample);
            }
        } catch (UnusableSchemaException e) {
            problems.add(new FieldError("", e.getMessage()));
        } catch (RuntimeException e) {
            // networknt reports unresolvable references and bad patterns as plain runtime exceptions.
            problems.add(new FieldError("", "the schema cannot be used: " + withoutClassNames(e.getMessage())));
        }
        return problems;
    }

    private static final List<JsonNode> SAMPLES = List.of(
            tools.jackson.databind.node.JsonNodeFactory.instance.nullNode(),
            tools.jackson.databind.node.JsonNodeFactory.instance.objectNode(),
            tools.jackson.databind.node.JsonNodeFactory.instance.arrayNode(),
            tools.jackson.databind.node.JsonNodeFactory.instance.stringNode(""),
            tools.jackson.databind.node.JsonNodeFactory.instance.numberNode(0));

    /** "java.util.regex.PatternSyntaxException: Unclosed group" → "Unclosed group": no internals in answers. */
    private static String withoutClassNames(String message) {
        return message == null ? "it cannot be compiled" : message.replaceAll("(?:[a-z]\\w*\\.)+[A-Z]\\w*(?:Exception|Error): ?", "");
    }

    /** A schema that cannot validate (it recurses without end); the message says so. */
    static final class UnusableSchemaException extends RuntimeException {
        UnusableSchemaException(String message) {
            super(message, null, false, false);
        }
    }

    /** Compiles a checked document; its references are resolved now, not at the first validation. */
    Schema compile(JsonNode document) {
        // A registry per schema: one user's $id can never shadow another user's schema in a shared cache.
        Schema schema = newRegistry().getSchema(document);
        schema.initializeValidators();
        return schema;
    }

    /**
     * The violations of {@code data}, one per failed keyword, as pointers relative to the data,
     * sorted by pointer so clients see them in a stable order.
     */
    static List<FieldError> violations(Schema schema, JsonNode data) {
        var violations = new ArrayList<FieldError>();
        List<com.networknt.schema.Error> errors;
        try {
            errors = BoundedRegularExpressions.withBudget(() -> schema.validate(data));
        } catch (StackOverflowError e) {
            throw new UnusableSchemaException("the schema refers to itself without end, so no document can be checked against it");
        } catch (BoundedRegularExpressions.TooSlow e) {
            throw new UnusableSchemaException(e.getMessage() + " (more than " + BoundedRegularExpressions.BUDGET.toMillis()
                    + " ms); simplify the pattern");
        }
        for (var error : errors) {
            violations.add(new FieldError(pointer(error.getInstanceLocation()), error.getMessage()));
        }
        violations.sort(java.util.Comparator.comparing(FieldError::pointer).thenComparing(FieldError::message));
        return violations;
    }

    private static SchemaRegistry newRegistry() {
        return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12, builder -> builder
                // Nothing outside the document is loaded but the 2020-12 meta-schemas networknt ships:
                // no network, no classpath resources.
                .schemaLoader(loader -> loader.fetchRemoteResources(false)
                        .allow(iri -> iri.toString().startsWith("https://json-schema.org/draft/2020-12/")))
                .schemaRegistryConfig(SchemaRegistryConfig.builder()
                        .regularExpressionFactory(BoundedRegularExpressions.INSTANCE).build()));
    }

    /** RFC 6901 pointer of a node path ({@code ""} for the root). */
    static String pointer(NodePath path) {
        var pointer = new StringBuilder();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            pointer.append('/').append(String.valueOf(element).replace("~", "~0").replace("/", "~1"));
        }
        return pointer.toString();
    }
}
