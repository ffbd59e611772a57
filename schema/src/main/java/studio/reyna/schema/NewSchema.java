package studio.reyna.schema;

import tools.jackson.databind.JsonNode;

/** What a client sends to create a schema; {@code id} is optional (a UUID is chosen then). */
public record NewSchema(String id, String name, String description, JsonNode schema) {
}
