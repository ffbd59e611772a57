package studio.reyna.state.blob;

import tools.jackson.databind.JsonNode;

/** What a client sends to create a blob; {@code schemaVersion} null means the schema's latest version. */
public record NewBlob(String schemaId, Integer schemaVersion, JsonNode data) {
}
