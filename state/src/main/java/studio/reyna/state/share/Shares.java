package studio.reyna.state.share;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.event.EventType;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.events.EventLog;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;
import studio.reyna.state.bucket.Bucket;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Sharing a bucket (and so its subtree) with named users. Only the owner shares, changes and
 * revokes, and only the owner sees who a bucket is shared with. A change takes the owner's tree
 * lock exclusively, so every write records its audience either wholly before it or wholly after.
 */
public final class Shares {
    /**
     * Every event in a bucket names its sharees (its audience), and the bus carries it to every
     * node: a bounded audience keeps events small.
     */
    static final int MAX_SHARES_PER_BUCKET = 1_000;

    private final Jdbi jdbi;
    private final AccessPolicy access;
    private final EventLog events;

    public Shares(Jdbi jdbi, AccessPolicy access, EventLog events) {
        this.jdbi = jdbi;
        this.access = access;
        this.events = events;
    }

    /** The outcome of {@link #share}: the share, and whether it is new (else its access changed or stayed). */
    public record Shared(Share share, boolean created) {
    }

    /** Shares {@code bucketId} with the user of {@code email}, or changes that user's access. */
    public Shared share(UUID callerId, UUID bucketId, String email, String level) {
        if (level == null || !(level.equals("read") || level.equals("write"))) {
            throw ValidationException.of("/access", "access must be read or write");
        }
        if (email == null || email.isBlank()) {
            throw ValidationException.of("/email", "email is required");
        }
        var shared = jdbi.inTransaction(h -> {
            var bucket = ownedAndLocked(h, callerId, bucketId);
            UUID userId = h.createQuery("select id from users where lower(email) = :email")
                    .bind("email", email.strip().toLowerCase(Locale.ROOT)).mapTo(UUID.class).findOne()
                    .orElseThrow(() -> ValidationException.of("/email", "there is no account with this email"));
            if (userId.equals(callerId)) {
                throw ValidationException.of("/email", "this is your own bucket");
            }
            int others = h.createQuery("select count(*) from bucket_shares where bucket_id = :bucket and user_id <> :user")
                    .bind("bucket", bucketId).bind("user", userId).mapTo(Integer.class).one();
            if (others >= MAX_SHARES_PER_BUCKET) {
                throw new ConflictException("bucket " + bucketId + " is shared with " + MAX_SHARES_PER_BUCKET
                        + " users already, the most one bucket can be; share a bucket above it, or publish a link");
            }
            boolean created = h.createQuery("""
                            insert into bucket_shares (bucket_id, user_id, access) values (:bucket, :user, :access)
                            on conflict (bucket_id, user_id) do update set access = excluded.access, updated_at = now()
                            returning (xmax = 0) as created""")
                    .bind("bucket", bucketId).bind("user", userId).bind("access", level)
                    .mapTo(Boolean.class).one();
            var share = find(h, bucketId, userId);
            append(h, EventType.SHARE_CHANGED, bucket, callerId, share);
            return new Shared(share, created);
        });
        access.forgetDecisions();
        return shared;
    }

    /** Who {@code bucketId} itself is shared with (shares on buckets above it are theirs to list). */
    public List<Share> list(UUID callerId, UUID bucketId) {
        return jdbi.withHandle(h -> {
            access.requireOwner(h, Principal.user(callerId), bucketId, AccessPolicy.Lock.NONE);
            return h.createQuery(SELECT + " where s.bucket_id = :bucket order by s.created_at, s.user_id")
                    .bind("bucket", bucketId).map(Shares::share).list();
        });
    }

    /** Ends a share; the user stops seeing the subtree at once, on every node. */
    public void revoke(UUID callerId, UUID bucketId, UUID userId) {
        jdbi.useTransaction(h -> {
            var bucket = ownedAndLocked(h, callerId, bucketId);
            var share = find(h, bucketId, userId);
            h.createUpdate("delete from bucket_shares where bucket_id = :bucket and user_id = :user")
                    .bind("bucket", bucketId).bind("user", userId).execute();
            append(h, EventType.SHARE_REVOKED, bucket, callerId, share);
        });
        // Other nodes forget theirs when the share.revoked event reaches them.
        access.forgetDecisions();
    }

    /** The buckets others shared with the caller, in the order of the buckets' ids (their creation). */
    public Page<SharedBucket> sharedWith(UUID callerId, PageRequest page) {
        return jdbi.withHandle(h -> {
            var rows = h.createQuery("""
                            select b.id, b.owner_id, b.parent_id, b.name, b.created_at, b.updated_at,
                                   u.display_name as owner_name, s.access, s.created_at as shared_at
                            from bucket_shares s join buckets b on b.id = s.bucket_id join users u on u.id = b.owner_id
                            where s.user_id = :user and s.bucket_id > :after order by s.bucket_id limit :limit""")
                    .bind("user", callerId).bind("after", page.afterIdOrStart()).bind("limit", page.limit() + 1)
                    // The shared bucket's parent is the owner's, not shared: its id is left out.
                    .map((rs, ctx) -> new SharedBucket(Bucket.read(rs, ctx).withoutParent(),
                            rs.getString("owner_name"), rs.getString("access"), rs.getTimestamp("shared_at").toInstant()))
                    .list();
            return page.page(rows, shared -> shared.bucket().id().toString());
        });
    }

    private Bucket ownedAndLocked(Handle h, UUID callerId, UUID bucketId) {
        var bucket = access.requireOwner(h, Principal.user(callerId), bucketId, AccessPolicy.Lock.NONE);
        AccessPolicy.lockTree(h, bucket.ownerId(), true);
        return access.requireOwner(h, Principal.user(callerId), bucketId, AccessPolicy.Lock.KEEP);
    }

    private static final String SELECT = """
            select s.bucket_id, s.user_id, u.email, u.display_name, s.access, s.created_at, s.updated_at
            from bucket_shares s join users u on u.id = s.user_id""";

    private static Share find(Handle h, UUID bucketId, UUID userId) {
        return h.createQuery(SELECT + " where s.bucket_id = :bucket and s.user_id = :user")
                .bind("bucket", bucketId).bind("user", userId).map(Shares::share).findOne()
                .orElseThrow(() -> new NotFoundException("bucket " + bucketId + " is not shared with user " + userId));
    }

    private static Share share(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        return new Share(rs.getObject("bucket_id", UUID.class), rs.getObject("user_id", UUID.class), rs.getString("email"),
                rs.getString("display_name"), rs.getString("access"), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }

    /** The owner and the user concerned hear of it; nobody else. */
    private void append(Handle h, EventType type, Bucket bucket, UUID actorId, Share share) {
        var data = JsonNodeFactory.instance.objectNode().put("userId", share.userId().toString())
                .put("access", share.access()).put("name", bucket.name());
        events.append(h, new EventLog.Change(type, bucket.id().toString(), bucket.ownerId(), actorId, bucket.id(), null,
                null, null, null, data, List.of(share.userId())));
    }
}
