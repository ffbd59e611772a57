package studio.reyna.state.blob;

import java.time.Instant;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A document of a declared type. {@code version} counts its writes (the ETag); {@code title} and
 * {@code preview} are derived from {@code data} at write time; {@code derived} holds what
 * processors computed from it. {@code storedSchemaVersion} is the version its data is stored at;
 * {@code schemaVersion} is newer when the blob was read migrated to a newer version of its schema.
 */
public record Blob(UUID id, UUID ownerId, UUID bucketId, String schemaId, int schemaVersion, long version,
                   String title, String preview, JsonNode data, JsonNode derived, Instant createdAt, Instant updatedAt,
                   int storedSchemaVersion) {

    /** This blob as it reads at a newer version of its schema: the version's data and what derives from it. */
    Blob readAs(int newerVersion, JsonNode upgraded, TitleAndPreview derivedText) {
        return new Blob(id, ownerId, bucketId, schemaId, newerVersion, version, derivedText.title(), derivedText.preview(),
                upgraded, derived, createdAt, updatedAt, storedSchemaVersion);
    }
}
