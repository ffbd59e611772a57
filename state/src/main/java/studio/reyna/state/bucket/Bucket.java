package studio.reyna.state.bucket;

import java.time.Instant;
import java.util.UUID;

/** A folder of blobs and other buckets; {@code parentId} is null at the top level. */
public record Bucket(UUID id, UUID ownerId, UUID parentId, String name, Instant createdAt, Instant updatedAt) {
}
