package studio.reyna.state.blob;

import java.time.Instant;
import java.util.UUID;

/** A blob as lists show it: everything but its content, which may be megabytes. */
public record BlobSummary(UUID id, UUID bucketId, String schemaId, int schemaVersion, long version,
                          String title, String preview, Instant createdAt, Instant updatedAt) {
}
