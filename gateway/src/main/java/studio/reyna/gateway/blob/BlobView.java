package studio.reyna.gateway.blob;

import java.time.Instant;
import java.util.UUID;
import studio.reyna.state.blob.Blob;
import tools.jackson.databind.JsonNode;

/**
 * A blob as the API shows it. {@code storedSchemaVersion} is older than {@code schemaVersion} when the
 * blob was read migrated to a newer version of its schema (the next write stores it at that version).
 */
record BlobView(UUID id, UUID bucketId, String schemaId, int schemaVersion, long version, String title, String preview,
                JsonNode data, JsonNode derived, Instant createdAt, Instant updatedAt, int storedSchemaVersion) {

    static BlobView of(Blob blob) {
        return new BlobView(blob.id(), blob.bucketId(), blob.schemaId(), blob.schemaVersion(), blob.version(), blob.title(),
                blob.preview(), blob.data(), blob.derived(), blob.createdAt(), blob.updatedAt(), blob.storedSchemaVersion());
    }
}
