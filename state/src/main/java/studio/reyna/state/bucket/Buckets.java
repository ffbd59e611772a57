package studio.reyna.state.bucket;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import studio.reyna.core.Ids;
import studio.reyna.core.event.EventType;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.db.SqlErrors;
import studio.reyna.events.EventLog;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Nested buckets. A caller sees only the buckets they own; anything else answers as if it did not
 * exist (404), so ids of other people's buckets reveal nothing.
 */
public final class Buckets {
    private static final String COLUMNS = "id, owner_id, parent_id, name, created_at, updated_at";

    private final Jdbi jdbi;
    private final EventLog events;
    private final Ids ids;

    public Buckets(Jdbi jdbi, EventLog events, Ids ids) {
        this.jdbi = jdbi;
        this.events = events;
        this.ids = ids;
    }

    public Bucket create(UUID callerId, String name, UUID parentId) {
        String cleanName = checkName(name);
        return jdbi.inTransaction(h -> {
            if (parentId != null && findOwned(h, callerId, parentId, Lock.KEEP) == null) {
                throw ValidationException.of("/parentId", "there is no bucket " + parentId);
            }
            var bucket = insertOrConflict(() -> h.createQuery("insert into buckets (id, owner_id, parent_id, name) "
                            + "values (:id, :owner, :parent, :name) returning " + COLUMNS)
                    .bind("id", ids.next()).bind("owner", callerId).bind("parent", parentId).bind("name", cleanName)
                    .map(Buckets::bucket).one(), cleanName);
            append(h, EventType.BUCKET_CREATED, bucket, callerId, null);
            return bucket;
        });
    }

    public Bucket get(UUID callerId, UUID bucketId) {
        return jdbi.withHandle(h -> requireOwned(h, callerId, bucketId, Lock.NONE));
    }

    /** The caller's buckets directly under {@code parentId} (top level when null), oldest first. */
    public Page<Bucket> children(UUID callerId, UUID parentId, PageRequest page) {
        return jdbi.withHandle(h -> {
            if (parentId != null) {
                requireOwned(h, callerId, parentId, Lock.NONE);
            }
            String parentCondition = parentId == null ? "parent_id is null" : "parent_id = :parent";
            var rows = h.createQuery("select " + COLUMNS + " from buckets where owner_id = :owner and " + parentCondition
                            + " and id > :after order by id limit :limit")
                    .bind("owner", callerId).bind("parent", parentId)
                    .bind("after", page.afterIdOrStart()).bind("limit", page.limit() + 1)
                    .map(Buckets::bucket).list();
            return page.page(rows, b -> b.id().toString());
        });
    }

    public Bucket update(UUID callerId, UUID bucketId, BucketPatch patch) {
        String newName = patch.name() == null ? null : checkName(patch.name());
        return jdbi.inTransaction(h -> {
            if (patch.move()) {
                lockTree(h, callerId);
            }
            var current = requireOwned(h, callerId, bucketId, Lock.CHANGE);
            UUID parent = patch.move() ? patch.parentId() : current.parentId();
            if (patch.move() && parent != null) {
                if (findOwned(h, callerId, parent, Lock.KEEP) == null) {
                    throw ValidationException.of("/parentId", "there is no bucket " + parent);
                }
                if (isInSubtree(h, bucketId, parent)) {
                    throw ValidationException.of("/parentId", "a bucket cannot be moved into itself or one of its descendants");
                }
            }
            String name = newName == null ? current.name() : newName;
            var updated = insertOrConflict(() -> h.createQuery("update buckets set name = :name, parent_id = :parent,"
                            + " updated_at = now() where id = :id returning " + COLUMNS)
                    .bind("name", name).bind("parent", parent).bind("id", bucketId)
                    .map(Buckets::bucket).one(), name);
            boolean moved = !java.util.Objects.equals(current.parentId(), parent);
            var data = JsonNodeFactory.instance.objectNode();
            if (moved) {
                data.put("previousParentId", current.parentId() == null ? null : current.parentId().toString());
            }
            append(h, moved ? EventType.BUCKET_MOVED : EventType.BUCKET_UPDATED, updated, callerId, data);
            return updated;
        });
    }

    /**
     * Deletes a bucket. One that holds blobs or buckets is deleted only with {@code recursive}:
     * then its whole subtree goes, each deleted blob and bucket with its own event.
     */
    public void delete(UUID callerId, UUID bucketId, boolean recursive) {
        try {
            jdbi.useTransaction(h -> {
                // The subtree must not change while it is read and deleted: moves take the same lock.
                lockTree(h, callerId);
                var bucket = requireOwned(h, callerId, bucketId, Lock.CHANGE);
                List<Bucket> subtree = h.createQuery("""
                                with recursive tree as (
                                    select id from buckets where id = :root
                                    union all
                                    select b.id from buckets b join tree t on b.parent_id = t.id)
                                select %s from buckets where id in (select id from tree) order by id for update"""
                                .formatted(COLUMNS))
                        .bind("root", bucketId).map(Buckets::bucket).list();
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
                h.createUpdate("delete from blobs where bucket_id = any(:ids)").bind("ids", ids.toArray(UUID[]::new)).execute();
                h.createUpdate("delete from buckets where id = any(:ids)").bind("ids", ids.toArray(UUID[]::new)).execute();
                for (var blob : blobs) {
                    events.append(h, new EventLog.Change(EventType.BLOB_DELETED, blob.schemaId(), bucket.ownerId(), callerId,
                            blob.bucketId(), blob.id(), blob.schemaId(), blob.schemaVersion(), blob.version(), null));
                }
                for (var gone : subtree) {
                    append(h, EventType.BUCKET_DELETED, gone, callerId, null);
                }
            });
        } catch (RuntimeException e) {
            if (SqlErrors.isForeignKeyViolation(e)) {
                throw new ConflictException("bucket " + bucketId + " changed while it was being deleted; try again");
            }
            throw e;
        }
    }

    /** The bucket if the caller may write into it, kept from a concurrent delete until commit; else 404. */
    public Bucket requireWritable(Handle h, UUID callerId, UUID bucketId) {
        return requireOwned(h, callerId, bucketId, Lock.KEEP);
    }

    /** The bucket if the caller may read it; else 404. */
    public Bucket requireReadable(Handle h, UUID callerId, UUID bucketId) {
        return requireOwned(h, callerId, bucketId, Lock.NONE);
    }

    private record DeletedBlob(UUID id, UUID bucketId, String schemaId, int schemaVersion, long version) {
    }

    private void append(Handle h, EventType type, Bucket bucket, UUID actorId, ObjectNode extra) {
        ObjectNode data = extra == null ? JsonNodeFactory.instance.objectNode() : extra;
        data.put("name", bucket.name());
        data.put("parentId", bucket.parentId() == null ? null : bucket.parentId().toString());
        events.append(h, new EventLog.Change(type, bucket.id().toString(), bucket.ownerId(), actorId, bucket.id(), null,
                null, null, null, data));
    }

    /** How a read of a bucket row locks it until the transaction ends. */
    private enum Lock {
        NONE(""),
        /** Enough to keep the row from being deleted (blobs and sub-buckets being added to it). */
        KEEP(" for key share"),
        /** For changing or deleting the row itself. */
        CHANGE(" for update");

        private final String sql;

        Lock(String sql) {
            this.sql = sql;
        }
    }

    private static Bucket requireOwned(Handle h, UUID callerId, UUID bucketId, Lock lock) {
        var bucket = findOwned(h, callerId, bucketId, lock);
        if (bucket == null) {
            throw new NotFoundException("there is no bucket " + bucketId);
        }
        return bucket;
    }

    private static Bucket findOwned(Handle h, UUID callerId, UUID bucketId, Lock lock) {
        return h.createQuery("select " + COLUMNS + " from buckets where id = :id and owner_id = :owner" + lock.sql)
                .bind("id", bucketId).bind("owner", callerId).map(Buckets::bucket).findOne().orElse(null);
    }

    /**
     * Serialises changes to the shape of one owner's tree (moves, deletes): two crossing moves
     * cannot build a cycle, and a delete cannot take a bucket that was just moved out of its subtree.
     */
    private static void lockTree(Handle h, UUID ownerId) {
        h.execute("select pg_advisory_xact_lock(hashtextextended(cast(? as text), 17))", ownerId);
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

    static Bucket bucket(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Bucket(rs.getObject("id", UUID.class), rs.getObject("owner_id", UUID.class),
                rs.getObject("parent_id", UUID.class), rs.getString("name"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }
}
