package studio.reyna.state.bucket;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Where a bucket sits: itself and its ancestors up to the top. Live delivery asks this for every
 * event it filters by subtree, so answers are cached; whoever sees a bucket move or disappear
 * calls {@link #changed()} (moves change the ancestry of a whole subtree, so the cache is dropped).
 */
public final class BucketTree {
    private final Jdbi jdbi;
    private final Cache<UUID, List<UUID>> ancestry = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterWrite(Duration.ofMinutes(5))
            .build();

    public BucketTree(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The bucket followed by its ancestors, nearest first; empty when it no longer exists. */
    public List<UUID> ancestry(UUID bucketId) {
        return ancestry.get(bucketId, id -> jdbi.withHandle(h -> h.createQuery("""
                        with recursive up as (
                            select id, parent_id, 0 as depth from buckets where id = :id
                            union all
                            select b.id, b.parent_id, up.depth + 1 from buckets b join up on b.id = up.parent_id)
                        select id from up order by depth""")
                .bind("id", id).mapTo(UUID.class).list()));
    }

    /** True when {@code bucketId} is {@code root} or lies below it. */
    public boolean isWithin(UUID bucketId, UUID root) {
        return ancestry(bucketId).contains(root);
    }

    /** The shape of the tree changed somewhere: forget every cached answer. */
    public void changed() {
        ancestry.invalidateAll();
    }
}
