package studio.reyna.schema;

import com.networknt.schema.Schema;
import java.util.List;
import studio.reyna.core.problem.FieldError;
import tools.jackson.databind.JsonNode;

/** A schema version compiled once and kept: validates data, and carries the document for annotations. */
public final class ValidatedSchema {
    private final SchemaVersion version;
    private final Schema compiled;
    private final int documentBytes;
    private final Migration migration;

    ValidatedSchema(SchemaVersion version, Schema compiled, int documentBytes, Migration migration) {
        this.version = version;
        this.migration = migration;
        this.compiled = compiled;
        this.documentBytes = documentBytes;
    }

    int documentBytes() {
        return documentBytes;
    }

    /** The migration from the version before, or null: documents of older versions then stay as they are. */
    public Migration migration() {
        return migration;
    }

    public SchemaVersion version() {
        return version;
    }

    /**
     * Violations of {@code data}, each with a JSON Pointer relative to the data; empty when valid.
     * A schema that recurses without end for this data is reported as one violation at the root.
     */
    public List<FieldError> violations(JsonNode data) {
        try {
            return JsonSchemaDialect.violations(compiled, data);
        } catch (JsonSchemaDialect.UnusableSchemaException e) {
            return List.of(new FieldError("", e.getMessage()));
        }
    }
}
