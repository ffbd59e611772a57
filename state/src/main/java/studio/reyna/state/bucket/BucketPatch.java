package studio.reyna.state.bucket;

import java.util.UUID;

/**
 * A rename and/or move. {@code name} null keeps the name; {@code move} false keeps the parent,
 * true moves under {@code parentId} (null = to the top level).
 */
public record BucketPatch(String name, boolean move, UUID parentId) {
}
