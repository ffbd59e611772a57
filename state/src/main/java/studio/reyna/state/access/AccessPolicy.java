package studio.reyna.state.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import studio.reyna.core.event.Event;
import studio.reyna.core.event.EventType;
import studio.reyna.core.problem.ForbiddenException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.bucket.Bucket;

/**
 * The one place that decides who may do what with a bucket and everything in it, for every path:
 * REST, the WebSocket (through each event's audience), listings and public links.
 *
 * <p>The owner may do everything. A share on a bucket applies to its whole subtree: {@code read}
 * sees it, {@code write} also changes what is inside — but the shared bucket itself stays the
 * owner's to rename, move, delete and share. A public link reads its bucket's subtree. Whatever a
 * principal may not see answers 404, exactly like an id that does not exist; what it may see but
 * not change answers 403.
 *
 * <p>Decisions (not the buckets themselves) are cached for reads, for five minutes at most; every
 * change of shares or of the tree forgets them, at once on the node that made it and through the
 * bus on every other ({@link #changed}), so a revoke takes effect everywhere within the bus's
 * delivery time. Reads that lock rows — every write — decide from the database, never from the
 * cache.
 */
public final class AccessPolicy {
    private static final String COLUMNS = "b.id, b.owner_id, b.parent_id, b.name, b.created_at, b.updated_at";
    private static final Set<String> CHANGES_OF_ACCESS = Set.of(
            EventType.SHARE_CHANGED.typeName(), EventType.SHARE_REVOKED.typeName(),
            EventType.BUCKET_MOVED.typeName(), EventType.BUCKET_DELETED.typeName());

    /** Granted decisions only: an absent entry means "ask the database", never "no access". */
    private final Cache<Decision, Granted> decisions;
    /**
     * Counts the times decisions were forgotten. A decision read from the database is remembered only
     * if none was forgotten meanwhile: a read that saw a share a moment before its revoke must not
     * put the grant back after the revoke cleared the cache.
     */
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    private record Decision(Principal who, UUID bucketId) {
    }

    /** An id no bucket has (bucket ids are UUID version 7; this is the nil UUID). */
    private static final UUID NO_BUCKET = new UUID(0, 0);

    public AccessPolicy(Duration remember, int maxDecisions) {
        this.decisions = Caffeine.newBuilder().expireAfterWrite(remember).maximumSize(maxDecisions).build();
    }

    /** Forgets every cached decision: the shares or the shape of the tree changed. */
    public void forgetDecisions() {
        generation.incrementAndGet();
        decisions.invalidateAll();
    }

    /** Forgets cached decisions when {@code event} (from any node) changed who may see what. */
    public void changed(Event event) {
        if (CHANGES_OF_ACCESS.contains(event.type())) {
            forgetDecisions();
        }
    }

    /** How reading a bucket row locks it until the transaction ends. */
    public enum Lock {
        NONE(""),
        /** Enough to keep the row from being deleted (blobs and sub-buckets being added to it). */
        KEEP(" for key share of b"),
        /** For changing or deleting the row itself. */
        CHANGE(" for update of b");

        private final String sql;

        Lock(String sql) {
            this.sql = sql;
        }
    }

    /**
     * A bucket and what the principal may do: {@code access} to its contents, and whether it may
     * rename, move or delete the bucket itself ({@code mayChangeItself}: the owner, or a write share
     * on a bucket above it).
     */
    public record Granted(Bucket bucket, Access access, boolean mayChangeItself, boolean seesParent) {
        /** What the principal is shown: a parent it may not see is left out (its id would tell of it). */
        Granted shown() {
            return seesParent ? this : new Granted(bucket.withoutParent(), access, mayChangeItself, false);
        }
    }

    /** The bucket and the principal's access to it; null when it does not exist or the principal may not see it. */
    public Granted find(Handle h, Principal who, UUID bucketId, Lock lock) {
        if (lock == Lock.NONE) {
            var known = decisions.getIfPresent(new Decision(who, bucketId));
            if (known != null) {
                // The decision is remembered; the bucket is read afresh (it may have been renamed).
                var bucket = h.createQuery("select " + COLUMNS + " from buckets b where b.id = :id")
                        .bind("id", bucketId).map(Bucket::read).findOne().orElse(null);
                return bucket == null ? null
                        : new Granted(bucket, known.access(), known.mayChangeItself(), known.seesParent()).shown();
            }
        }
        long seen = generation.get();
        var granted = decide(h, who, bucketId, lock);
        if (granted != null && generation.get() == seen) {
            decisions.put(new Decision(who, bucketId), granted);
        }
        return granted;
    }

    private Granted decide(Handle h, Principal who, UUID bucketId, Lock lock) {
        var row = h.createQuery("""
                        with recursive up as (
                            select id, parent_id, 0 as depth from buckets where id = :id
                            union all
                            select b.id, b.parent_id, up.depth + 1 from buckets b join up on b.id = up.parent_id)
                        select %s,
                            (select max(case s.access when 'write' then 2 else 1 end)
                             from bucket_shares s join up on s.bucket_id = up.id where s.user_id = :user) as shared,
                            (select max(case s.access when 'write' then 2 else 1 end)
                             from bucket_shares s join up on s.bucket_id = up.id where s.user_id = :user and up.depth > 0) as above,
                            exists (select 1 from up where up.id = :linkRoot) as linked
                        from buckets b where b.id = :id""".formatted(COLUMNS) + lock.sql)
                .bind("id", bucketId).bind("user", who.userId()).bind("linkRoot", who.linkRoot())
                .map((rs, ctx) -> {
                    var bucket = Bucket.read(rs, ctx);
                    if (who.isLink()) {
                        return new Granted(bucket, rs.getBoolean("linked") ? Access.READ : Access.NONE, false,
                                !bucket.id().equals(who.linkRoot()));
                    }
                    if (bucket.ownerId().equals(who.userId())) {
                        return new Granted(bucket, Access.OWNER, true, true);
                    }
                    int shared = rs.getInt("shared");
                    int above = rs.getInt("above");
                    var access = shared == 2 ? Access.WRITE : shared == 1 ? Access.READ : Access.NONE;
                    // A share on a bucket above this one covers its parent too.
                    return new Granted(bucket, access, above == 2, above > 0);
                })
                .findOne().orElse(null);
        return row == null || row.access() == Access.NONE ? null : row.shown();
    }

    /**
     * The decision on a blob (or what hangs from one), from the bucket its row names, or null
     * when no row was found: 404 when the principal may not see it, 403 when it needs more than
     * it has. A missing blob is decided on too, for a bucket that cannot exist, so that it takes
     * as long to refuse as an invisible one: the time of a 404 tells nothing of existence.
     */
    public void requireBlobAccess(Handle h, Principal who, UUID blobId, UUID bucketIdOrNull, Access needed, Lock lock) {
        var granted = find(h, who, bucketIdOrNull == null ? NO_BUCKET : bucketIdOrNull, lock);
        if (bucketIdOrNull == null || granted == null) {
            throw new NotFoundException("there is no blob " + blobId);
        }
        if (!granted.access().atLeast(needed)) {
            throw new ForbiddenException("blob " + blobId + " is shared with you read-only");
        }
    }

    /** The bucket if the principal may see it; else 404. */
    public Bucket requireRead(Handle h, Principal who, UUID bucketId, Lock lock) {
        return require(h, who, bucketId, lock).bucket();
    }

    /** The bucket if the principal may change what is inside; 403 when it may only read it; else 404. */
    public Bucket requireWrite(Handle h, Principal who, UUID bucketId, Lock lock) {
        var granted = require(h, who, bucketId, lock);
        if (!granted.access().atLeast(Access.WRITE)) {
            throw new ForbiddenException("bucket " + bucketId + " is shared with you read-only");
        }
        return granted.bucket();
    }

    /** The bucket if the principal may rename, move or delete it; 403 when it may only see it; else 404. */
    public Bucket requireChange(Handle h, Principal who, UUID bucketId, Lock lock) {
        var granted = require(h, who, bucketId, lock);
        if (!granted.mayChangeItself()) {
            throw new ForbiddenException(granted.access().atLeast(Access.WRITE)
                    ? "bucket " + bucketId + " was shared with you: only its owner can rename, move or delete it"
                    : "bucket " + bucketId + " is shared with you read-only");
        }
        return granted.bucket();
    }

    /**
     * A bucket named in a request body as where something goes (a new or moved bucket's parent, a
     * moved blob's bucket), if the principal may write there: invisible → 422 at {@code pointer},
     * like one that does not exist; read-only → 403.
     */
    public Bucket requireTarget(Handle h, Principal who, UUID bucketId, Lock lock, String pointer) {
        var target = find(h, who, bucketId, lock);
        if (target == null) {
            throw ValidationException.of(pointer, "there is no bucket " + bucketId);
        }
        if (!target.access().atLeast(Access.WRITE)) {
            throw new ForbiddenException("bucket " + bucketId + " is shared with you read-only");
        }
        return target.bucket();
    }

    /** The bucket if the principal owns it; 403 when it may see it; else 404. */
    public Bucket requireOwner(Handle h, Principal who, UUID bucketId, Lock lock) {
        var granted = require(h, who, bucketId, lock);
        if (granted.access() != Access.OWNER) {
            throw new ForbiddenException("only the owner of bucket " + bucketId + " can do this");
        }
        return granted.bucket();
    }

    private Granted require(Handle h, Principal who, UUID bucketId, Lock lock) {
        var granted = find(h, who, bucketId, lock);
        if (granted == null) {
            throw new NotFoundException("there is no bucket " + bucketId);
        }
        return granted;
    }

    /** Who besides its owner may see what happens in a bucket: the users it or a bucket above it is shared with. */
    public List<UUID> audience(Handle h, UUID bucketId) {
        return h.createQuery("""
                        with recursive up as (
                            select id, parent_id from buckets where id = :id
                            union all
                            select b.id, b.parent_id from buckets b join up on b.id = up.parent_id)
                        select distinct s.user_id from bucket_shares s join up on s.bucket_id = up.id order by s.user_id""")
                .bind("id", bucketId).mapTo(UUID.class).list();
    }

    /**
     * The audience of every bucket in the subtree of {@code rootId} (whose rows are {@code subtree}),
     * read before the subtree is deleted: the root's own audience, plus the shares on the way down.
     */
    public Map<UUID, List<UUID>> audiences(Handle h, UUID rootId, List<Bucket> subtree) {
        var rootAudience = audience(h, rootId);
        var sharedWith = new HashMap<UUID, Set<UUID>>();
        h.createQuery("select bucket_id, user_id from bucket_shares where bucket_id = any(:ids)")
                .bind("ids", subtree.stream().map(Bucket::id).toArray(UUID[]::new))
                .map((rs, ctx) -> Map.entry(rs.getObject("bucket_id", UUID.class), rs.getObject("user_id", UUID.class)))
                .forEach(e -> sharedWith.computeIfAbsent(e.getKey(), k -> new HashSet<>()).add(e.getValue()));
        var parents = new HashMap<UUID, UUID>();
        subtree.forEach(b -> parents.put(b.id(), b.parentId()));
        var result = new HashMap<UUID, List<UUID>>();
        for (var bucket : subtree) {
            var users = new LinkedHashSet<>(rootAudience);
            for (UUID at = bucket.id(); at != null && !at.equals(rootId); at = parents.get(at)) {
                users.addAll(sharedWith.getOrDefault(at, Set.of()));
            }
            result.put(bucket.id(), new ArrayList<>(users));
        }
        return result;
    }

    /**
     * Serialises what changes who sees an owner's buckets (shares, moves, deletes) against the writes
     * that record an audience: a write holds this in shared mode, so its audience is read either
     * wholly before such a change commits or wholly after.
     */
    public static void lockTree(Handle h, UUID ownerId, boolean exclusive) {
        // A long recursive delete holds the lock exclusively: writers give up after a few seconds
        // (503, try again) rather than each holding a pooled connection for as long as it takes.
        h.execute("set local lock_timeout = '" + LOCK_WAIT.toMillis() + "ms'");
        h.execute("select " + (exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")
                + "(hashtextextended(cast(? as text), 17))", ownerId);
    }

    /** How long a write waits for an owner's tree (and, after that, for any row) before giving up. */
    private static final Duration LOCK_WAIT = Duration.ofSeconds(5);
}
