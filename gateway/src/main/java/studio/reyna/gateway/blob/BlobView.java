package studio.reyna.gateway.blob;

import java.time.Instant;
import java.util.UUID;
import studio.reyna.state.blob.Blob;
import tools.jackson.databind.JsonNode;

/** A blob as the API shows it. */
record BlobView(UUID id, UUID bucketId, String schemaId, int schemaVersion, long version, String title, String preview,
                JsonNode data, JsonNode derived, Instant createdAt, Instant updatedAt) {

    static BlobView of(Blob blob) {
        return new BlobView(blob.id(), blob.bucketId(), blob.schemaId(), blob.schemaVersion(), blob.version(), blob.title(),
                blob.preview(), blob.data(), blob.derived(), blob.createdAt(), blob.updatedAt());
    }
}
