package studio.reyna.state.blob;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A document of a declared type. {@code version} counts its writes (the ETag); {@code title} and
 * {@code preview} are derived from {@code data} at write time; {@code derived} holds what
 * processors computed from it.
 */
public record Blob(UUID id, UUID ownerId, UUID bucketId, String schemaId, int schemaVersion, long version,
                   String title, String preview, JsonNode data, JsonNode derived, Instant createdAt, Instant updatedAt) {
}
