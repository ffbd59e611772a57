package studio.reyna.state.share;

import java.time.Instant;
import studio.reyna.state.bucket.Bucket;

/** A bucket someone shared with the caller: the bucket, its owner's name, and the caller's access. */
public record SharedBucket(Bucket bucket, String ownerName, String access, Instant sharedAt) {
}
