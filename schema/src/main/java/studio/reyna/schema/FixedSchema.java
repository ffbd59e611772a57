package studio.reyna.schema;

import java.util.List;
import studio.reyna.core.problem.FieldError;
import tools.jackson.databind.JsonNode;

/**
 * A JSON Schema that ships with the studio rather than one a user published (a processor's
 * settings schema): checked and compiled once, at start, with the same dialect and guards as
 * users' schemas.
 */
public final class FixedSchema {
    private final ValidatedSchema compiled;

    private FixedSchema(ValidatedSchema compiled) {
        this.compiled = compiled;
    }

    /** Compiles {@code document}; a document that is not a usable schema is a bug of the studio, refused at start. */
    public static FixedSchema of(String name, JsonNode document) {
        var dialect = new JsonSchemaDialect();
        var problems = dialect.problemsOf(document);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("the schema " + name + " is not a usable JSON Schema: " + problems);
        }
        return new FixedSchema(new ValidatedSchema(new SchemaVersion(name, 1, document, null, java.time.Instant.EPOCH),
                dialect.compile(document), document.toString().length(), null));
    }

    /** Violations of {@code data}, with JSON Pointers relative to it; empty when valid. */
    public List<FieldError> violations(JsonNode data) {
        return compiled.violations(data);
    }
}
