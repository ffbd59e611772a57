package studio.reyna.state.access;

import java.util.UUID;

/**
 * Who is asking: a signed-in user, or the holder of a public link, who may read the link's bucket
 * and everything below it and nothing else.
 */
public record Principal(UUID userId, UUID linkRoot) {
    public static Principal user(UUID userId) {
        return new Principal(userId, null);
    }

    public static Principal link(UUID bucketId) {
        return new Principal(null, bucketId);
    }

    public boolean isLink() {
        return linkRoot != null;
    }
}
