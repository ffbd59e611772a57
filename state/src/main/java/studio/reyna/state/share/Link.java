package studio.reyna.state.share;

import java.time.Instant;
import java.util.UUID;

/**
 * A public read-only link to a bucket's subtree. {@code token} is known only when the link is
 * created (only its hash is stored); listings carry null.
 */
public record Link(UUID id, UUID bucketId, String token, Instant expiresAt, Instant createdAt) {
}
