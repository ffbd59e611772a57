package studio.reyna.state.share;

import java.time.Instant;
import java.util.UUID;

/** A bucket shared with one user: who, with what access, since when. */
public record Share(UUID bucketId, UUID userId, String email, String displayName, String access,
                    Instant createdAt, Instant updatedAt) {
}
