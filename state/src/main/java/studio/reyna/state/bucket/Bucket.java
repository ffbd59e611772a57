package studio.reyna.state.bucket;

import java.time.Instant;
import java.util.UUID;

/** A folder of blobs and other buckets; {@code parentId} is null at the top level. */
public record Bucket(UUID id, UUID ownerId, UUID parentId, String name, Instant createdAt, Instant updatedAt) {
    /** This bucket as shown to someone who may not see its parent: without the parent's id. */
    public Bucket withoutParent() {
        return parentId == null ? this : new Bucket(id, ownerId, null, name, createdAt, updatedAt);
    }
}
