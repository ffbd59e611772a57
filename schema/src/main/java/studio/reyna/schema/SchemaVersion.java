package studio.reyna.schema;

import java.time.Instant;
import tools.jackson.databind.JsonNode;

/** One immutable version of a schema: the JSON Schema document and the migration that led to it. */
public record SchemaVersion(String schemaId, int version, JsonNode document, JsonNode migration, Instant createdAt) {
}
