package studio.reyna.state.bucket;

import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.Ids;
import studio.reyna.core.event.EventType;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.ForbiddenException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.db.SqlErrors;
import studio.reyna.events.EventLog;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;
import studio.reyna.state.usage.Usage;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Nested buckets. Who may see and change which bucket is decided by {@link AccessPolicy}: the
 * owner, the users a bucket above is shared with, the holders of a public link. Anything else
 * answers as if it did not exist (404), so ids of other people's buckets reveal nothing.
 */
public final class Buckets {
    private static final String COLUMNS = "id, owner_id, parent_id, name, created_at, updated_at";

    private final Jdbi jdbi;
    private final AccessPolicy access;
    private final EventLog events;
    private final Usage usage;
    private final Ids ids;

    public Buckets(Jdbi jdbi, AccessPolicy access, EventLog events, Usage usage, Ids ids) {
        this.jdbi = jdbi;
        this.access = access;
        this.usage = usage;
        this.events = events;
        this.ids = ids;
    }

    /**
     * Creates a bucket: at the caller's top level, or inside {@code parentId} when the caller may
     * write there. A bucket made inside someone else's shared bucket belongs to that bucket's owner.
     */
    public Bucket create(UUID callerId, String name, UUID parentId) {
        String cleanName = checkName(name);
        return jdbi.inTransaction(h -> {
            // The owner's tree lock (shared) before any row lock: the order moves and deletes take them in.
            UUID owner = parentId == null ? callerId : access.requireTarget(h, Principal.user(callerId), parentId, AccessPolicy.Lock.NONE, "/parentId").ownerId();
            AccessPolicy.lockTree(h, owner, false);
            if (parentId != null) {
                access.requireTarget(h, Principal.user(callerId), parentId, AccessPolicy.Lock.KEEP, "/parentId");
            }
            UUID finalOwner = owner;
            var bucket = insertOrConflict(() -> h.createQuery("insert into buckets (id, owner_id, parent_id, name) "
                            + "values (:id, :owner, :parent, :name) returning " + COLUMNS)
                    .bind("id", ids.next()).bind("owner", finalOwner).bind("parent", parentId).bind("name", cleanName)
                    .map(Bucket::read).one(), cleanName);
            usage.requireRoom(h, finalOwner, 0, 1, 0);
            append(h, EventType.BUCKET_CREATED, bucket, callerId, null, access.audience(h, bucket.id()));
            return bucket;
        });
    }

    public Bucket get(Principal who, UUID bucketId) {
        return jdbi.withHandle(h -> access.requireRead(h, who, bucketId, AccessPolicy.Lock.NONE));
    }

    /**
     * The buckets directly under {@code parentId}, oldest first; with no parent, the caller's own
     * top-level buckets (what others share with them is listed by the shares).
     */
    public Page<Bucket> children(Principal who, UUID parentId, PageRequest page) {
        return jdbi.withHandle(h -> {
            if (parentId != null) {
                access.requireRead(h, who, parentId, AccessPolicy.Lock.NONE);
            } else if (who.isLink()) {
                throw ValidationException.of("/parentId", "parentId is required");
            }
            String condition = parentId == null ? "owner_id = :owner and parent_id is null" : "parent_id = :parent";
            var rows = h.createQuery("select " + COLUMNS + " from buckets where " + condition
                            + " and id > :after order by id limit :limit")
                    .bind("owner", who.userId()).bind("parent", parentId)
                    .bind("after", page.afterIdOrStart()).bind("limit", page.limit() + 1)
                    .map(Bucket::read).list();
            return page.page(rows, b -> b.id().toString());
        });
    }

    /**
     * Renames or moves a bucket. Its owner may; so may a user with a write share on a bucket above
     * it, within that owner's buckets. Only the owner moves a bucket to the top level.
     */
    public Bucket update(UUID callerId, UUID bucketId, BucketPatch patch) {
        String newName = patch.name() == null ? null : checkName(patch.name());
        var who = Principal.user(callerId);
        var result = jdbi.inTransaction(h -> {
            // Moves change who sees what: they take the owner's tree lock before reading anything.
            var seen = access.requireChange(h, who, bucketId, AccessPolicy.Lock.NONE);
            AccessPolicy.lockTree(h, seen.ownerId(), patch.move());
            var current = access.requireChange(h, who, bucketId, AccessPolicy.Lock.CHANGE);
            UUID parent = patch.move() ? patch.parentId() : current.parentId();
            if (patch.move() && parent == null && !current.ownerId().equals(callerId)) {
                throw new ForbiddenException("only the owner can move bucket " + bucketId + " to the top level");
            }
            if (patch.move() && parent != null) {
                var target = access.requireTarget(h, who, parent, AccessPolicy.Lock.KEEP, "/parentId");
                if (!target.ownerId().equals(current.ownerId())) {
                    throw ValidationException.of("/parentId", "a bucket moves only among its owner's buckets");
                }
                if (isInSubtree(h, bucketId, parent)) {
                    throw ValidationException.of("/parentId", "a bucket cannot be moved into itself or one of its descendants");
                }
            }
            String name = newName == null ? current.name() : newName;
            var updated = insertOrConflict(() -> h.createQuery("update buckets set name = :name, parent_id = :parent,"
                            + " updated_at = now() where id = :id returning " + COLUMNS)
                    .bind("name", name).bind("parent", parent).bind("id", bucketId)
                    .map(Bucket::read).one(), name);
            boolean moved = !java.util.Objects.equals(current.parentId(), parent);
            // Those who could see it only where it was learn nothing of where it went, and those
            // who see it where it is now learn nothing of where it was (no previous parent).
            append(h, moved ? EventType.BUCKET_MOVED : EventType.BUCKET_UPDATED, updated, callerId, null,
                    access.audience(h, bucketId));
            return updated;
        });
        if (patch.move()) {
            // Other nodes forget theirs when the bucket.moved event reaches them.
            access.forgetDecisions();
        }
        return result;
    }

    /**
     * Deletes a bucket. One that holds blobs or buckets is deleted only with {@code recursive}:
     * then its whole subtree goes, each deleted blob and bucket with its own event.
     */
    public void delete(UUID callerId, UUID bucketId, boolean recursive) {
        try {
            jdbi.useTransaction(h -> {
                var who = Principal.user(callerId);
                // The subtree must not change while it is read and deleted: moves take the same lock.
                var seen = access.requireChange(h, who, bucketId, AccessPolicy.Lock.NONE);
                AccessPolicy.lockTree(h, seen.ownerId(), true);
                var bucket = access.requireChange(h, who, bucketId, AccessPolicy.Lock.CHANGE);
                List<Bucket> subtree = h.createQuery("""
                                with recursive tree as (
                                    select id from buckets where id = :root
                                    union all
                                    select b.id from buckets b join tree t on b.parent_id = t.id)
                                select %s from buckets where id in (select id from tree) order by id for update"""
                                .formatted(COLUMNS))
                        .bind("root", bucketId).map(Bucket::read).list();
                List<UUID> ids = subtree.stream().map(Bucket::id).toList();
                var blobs = h.createQuery("""
                                select id, schema_id, schema_version, version, bucket_id from blobs
                                where bucket_id = any(:ids) order by id for update""")
                        .bind("ids", ids.toArray(UUID[]::new))
                        .map((rs, ctx) -> new DeletedBlob(rs.getObject("id", UUID.class), rs.getObject("bucket_id", UUID.class),
                                rs.getString("schema_id"), rs.getInt("schema_version"), rs.getLong("version")))
                        .list();
                if (!recursive && (subtree.size() > 1 || !blobs.isEmpty())) {
                    throw new ConflictException("bucket " + bucketId + " is not empty (" + (subtree.size() - 1)
                            + " buckets, " + blobs.size() + " blobs directly or below); delete with ?recursive=true");
                }
                var audiences = access.audiences(h, bucketId, subtree);
                h.createUpdate("delete from blobs where bucket_id = any(:ids)").bind("ids", ids.toArray(UUID[]::new)).execute();
                h.createUpdate("delete from buckets where id = any(:ids)").bind("ids", ids.toArray(UUID[]::new)).execute();
                for (var blob : blobs) {
                    events.append(h, new EventLog.Change(EventType.BLOB_DELETED, blob.schemaId(), bucket.ownerId(), callerId,
                            blob.bucketId(), blob.id(), blob.schemaId(), blob.schemaVersion(), blob.version(), null,
                            audiences.get(blob.bucketId())));
                }
                for (var gone : subtree) {
                    append(h, EventType.BUCKET_DELETED, gone, callerId, null, audiences.get(gone.id()));
                }
            });
            access.forgetDecisions();
        } catch (RuntimeException e) {
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw new ConflictException("bucket " + bucketId + " changed while it was being deleted; try again");
            }
            throw e;
        }
    }

    private record DeletedBlob(UUID id, UUID bucketId, String schemaId, int schemaVersion, long version) {
    }

    private void append(Handle h, EventType type, Bucket bucket, UUID actorId, ObjectNode extra, List<UUID> audience) {
        ObjectNode data = extra == null ? JsonNodeFactory.instance.objectNode() : extra;
        data.put("name", bucket.name());
        data.put("parentId", bucket.parentId() == null ? null : bucket.parentId().toString());
        events.append(h, new EventLog.Change(type, bucket.id().toString(), bucket.ownerId(), actorId, bucket.id(), null,
                null, null, null, data, audience));
    }

    /** True when {@code candidate} is {@code root} or lies below it. */
    private static boolean isInSubtree(Handle h, UUID root, UUID candidate) {
        return h.createQuery("""
                        with recursive up as (
                            select id, parent_id from buckets where id = :candidate
                            union all
                            select b.id, b.parent_id from buckets b join up on b.id = up.parent_id)
                        select exists (select 1 from up where id = :root)""")
                .bind("candidate", candidate).bind("root", root).mapTo(Boolean.class).one();
    }

    private static Bucket insertOrConflict(java.util.function.Supplier<Bucket> write, String name) {
        try {
            return write.get();
        } catch (RuntimeException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw new ConflictException("a bucket named '" + name + "' already exists there");
            }
            throw e;
        }
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw ValidationException.of("/name", "name is required");
        }
        String clean = name.strip();
        if (clean.length() > 200) {
            throw ValidationException.of("/name", "name must be at most 200 characters");
        }
        if (clean.chars().anyMatch(Character::isISOControl)) {
            throw ValidationException.of("/name", "name must not contain control characters");
        }
        return clean;
    }
}
