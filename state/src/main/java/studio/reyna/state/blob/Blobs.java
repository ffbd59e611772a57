package studio.reyna.state.blob;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.Ids;
import studio.reyna.core.event.EventType;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.PreconditionFailedException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.events.EventLog;
import studio.reyna.schema.Migration;
import studio.reyna.schema.Schemas;
import studio.reyna.schema.ValidatedSchema;
import studio.reyna.state.access.Access;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;
import studio.reyna.state.usage.Usage;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Blobs: validated against their schema version, written with their event in one transaction,
 * replaced only by a writer who saw the current version (optimistic concurrency).
 */
public final class Blobs {
    private static final Logger log = LoggerFactory.getLogger(Blobs.class);
    static final String COLUMNS = """
            id, owner_id, bucket_id, schema_id, schema_version, version, title, preview,
            data::text as data, derived::text as derived, created_at, updated_at""";

    private final Jdbi jdbi;
    private final AccessPolicy access;
    private final Schemas schemas;
    private final EventLog events;
    private final Usage usage;
    private final Ids ids;
    private final ObjectMapper json;
    private final Timer creation;
    private final Counter validationFailures;

    public Blobs(Jdbi jdbi, AccessPolicy access, Schemas schemas, EventLog events, Usage usage, Ids ids, ObjectMapper json,
                 MeterRegistry metrics) {
        this.creation = Timer.builder("reyna.blob.creation").publishPercentileHistogram()
                .description("time to create a blob: validation, access check, quota and the write with its event")
                .register(metrics);
        this.validationFailures = Counter.builder("reyna.schema.validation.failures")
                .description("blob writes refused because their data does not match the schema").register(metrics);
        this.jdbi = jdbi;
        this.access = access;
        this.usage = usage;
        this.schemas = schemas;
        this.events = events;
        this.ids = ids;
        this.json = json;
    }

    /** Creates a blob in a bucket the caller may write to; it belongs to the bucket's owner. */
    public Blob create(UUID callerId, UUID bucketId, NewBlob request) {
        long started = System.nanoTime();
        var created = createTimed(callerId, bucketId, request);
        creation.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        return created;
    }

    private Blob createTimed(UUID callerId, UUID bucketId, NewBlob request) {
        if (request.schemaId() == null || request.schemaId().isBlank()) {
            throw ValidationException.of("/schemaId", "schemaId is required");
        }
        var schema = schemaFor(request.schemaId(), request.schemaVersion());
        var data = checkedData(schema, request.data());
        if (request.schemaVersion() != null) {
            requireReadableAtLatest(schema, data);
        }
        var derived = TitleAndPreview.of(schema.version().document(), data);
        String text = json.writeValueAsString(data);
        int size = utf8Length(text);
        return jdbi.inTransaction(h -> {
            var who = Principal.user(callerId);
            var seen = access.requireWrite(h, who, bucketId, AccessPolicy.Lock.NONE);
            AccessPolicy.lockTree(h, seen.ownerId(), false);
            var bucket = access.requireWrite(h, who, bucketId, AccessPolicy.Lock.KEEP);
            var blob = h.createQuery("""
                            insert into blobs (id, owner_id, bucket_id, schema_id, schema_version, title, preview, data, size_bytes)
                            values (:id, :owner, :bucket, :schemaId, :schemaVersion, :title, :preview, cast(:data as jsonb), :size)
                            returning\s""" + COLUMNS)
                    .bind("id", ids.next()).bind("owner", bucket.ownerId()).bind("bucket", bucketId)
                    .bind("schemaId", schema.version().schemaId()).bind("schemaVersion", schema.version().version())
                    .bind("title", derived.title()).bind("preview", derived.preview())
                    .bind("data", text).bind("size", size)
                    .map(this::blob).one();
            usage.requireRoom(h, bucket.ownerId(), 1, 0, size);
            append(h, EventType.BLOB_CREATED, blob, callerId);
            return blob;
        });
    }

    /**
     * The blobs as they are now, by id (those gone are missing), for the studio's own processors,
     * which act for each blob's owner whoever wrote it. Never for a request: those go through {@link #get}.
     */
    public java.util.Map<UUID, Blob> forProcessing(java.util.Collection<UUID> blobIds) {
        if (blobIds.isEmpty()) {
            return java.util.Map.of();
        }
        return jdbi.withHandle(h -> h.createQuery("select " + COLUMNS + " from blobs where id = any(:ids)")
                .bind("ids", blobIds.toArray(UUID[]::new)).map(this::blob).list().stream()
                .collect(java.util.stream.Collectors.toMap(Blob::id, blob -> blob)));
    }

    /** The blob as stored. */
    public Blob get(Principal who, UUID blobId) {
        return jdbi.withHandle(h -> require(h, who, blobId, Access.READ, false));
    }

    /**
     * The blob as it reads at {@code schemaVersion} (null: its schema's latest version): data stored
     * at an older version comes migrated through each newer version's migration, without being
     * written (the next write stores it at the new version). A blob stays at its own version when
     * a version on the way has no migration; asking for a version it cannot be read at is a 422.
     */
    public Blob read(Principal who, UUID blobId, Integer schemaVersion) {
        var stored = get(who, blobId);
        int latest = schemas.info(stored.schemaId()).latestVersion();
        if (schemaVersion != null && (schemaVersion < stored.schemaVersion() || schemaVersion > latest)) {
            throw ValidationException.of("/schemaVersion", "blob " + blobId + " is stored at version " + stored.schemaVersion()
                    + " of schema '" + stored.schemaId() + "' and reads at versions " + stored.schemaVersion() + " to " + latest);
        }
        int target = schemaVersion == null ? latest : schemaVersion;
        var upgraded = upgraded(stored, target);
        if (upgraded == null && schemaVersion != null && target != stored.schemaVersion()) {
            throw ValidationException.of("/schemaVersion", "blob " + blobId + " cannot be read at version " + target
                    + ": a version of schema '" + stored.schemaId() + "' after " + stored.schemaVersion()
                    + " was published without a migration");
        }
        return upgraded == null ? stored : upgraded;
    }

    /**
     * {@code stored} migrated to {@code target}, or null when it stays as stored: it is at that version
     * already, a version on the way has no migration, or (a blob written at the old version while the
     * new one was being published) the migration does not fit it, which is logged.
     */
    Blob upgraded(Blob stored, int target) {
        if (target == stored.schemaVersion()) {
            return null;
        }
        var migrated = migrated(stored.schemaId(), stored.schemaVersion(), target, stored.data());
        if (migrated.problem() != null) {
            log.warn("blob {} at version {} of schema '{}' does not migrate to a valid document of version {} ({}); "
                    + "it is read as stored", stored.id(), stored.schemaVersion(), stored.schemaId(), target, migrated.problem());
            return null;
        }
        return migrated.data() == null ? null
                : stored.readAs(target, migrated.data(), TitleAndPreview.of(migrated.schema().version().document(), migrated.data()));
    }

    /**
     * Data of version {@code from} migrated to version {@code to} and validated there: the data, or
     * nothing when a version on the way has no migration, or the problem when it does not fit.
     */
    private record Migrated(JsonNode data, ValidatedSchema schema, String problem) {
    }

    private Migrated migrated(String schemaId, int from, int to, JsonNode data) {
        try {
            var upgraded = schemas.upgrade(schemaId, from, to, data).orElse(null);
            if (upgraded == null) {
                return new Migrated(null, null, null);
            }
            var schema = schemas.compiled(schemaId, to);
            var violations = schema.violations(upgraded);
            return violations.isEmpty() ? new Migrated(upgraded, schema, null) : new Migrated(null, schema,
                    "/data" + violations.getFirst().pointer() + ": " + violations.getFirst().message());
        } catch (Migration.Failure e) {
            return new Migrated(null, null, e.getMessage());
        }
    }

    /**
     * Data written at an older version of its schema (an older client) must read at the latest one
     * once migrated, as every stored blob was checked to when that version was published; else it
     * would be the one blob a read cannot migrate. (Without a version asked for, data is written at
     * the latest: nothing to check, and no query for it.)
     */
    private void requireReadableAtLatest(ValidatedSchema schema, JsonNode data) {
        String schemaId = schema.version().schemaId();
        int written = schema.version().version();
        int latest = schemas.info(schemaId).latestVersion();
        if (written < latest) {
            var problem = migrated(schemaId, written, latest, data).problem();
            if (problem != null) {
                throw ValidationException.of("/schemaVersion", "data written at version " + written + " of schema '" + schemaId
                        + "' must read at its latest version " + latest + " once migrated, and this would not: " + problem);
            }
        }
    }

    /**
     * Replaces the content of a blob whose current version is {@code expectedVersion} (null: any
     * version, a deliberate overwrite); a stale version is refused (412) so no writer silently
     * overwrites a change it has not seen.
     */
    public Blob replace(UUID callerId, UUID blobId, Long expectedVersion, JsonNode data, Integer schemaVersion) {
        // Validation can take a while; it runs before the transaction, so no row lock or pooled
        // connection is held meanwhile. A blob's schema never changes, so the check stays valid.
        var schema = schemaFor(get(Principal.user(callerId), blobId).schemaId(), schemaVersion);
        var checked = checkedData(schema, data);
        if (schemaVersion != null) {
            requireReadableAtLatest(schema, checked);
        }
        var derived = TitleAndPreview.of(schema.version().document(), checked);
        String text = json.writeValueAsString(checked);
        int size = utf8Length(text);
        return jdbi.inTransaction(h -> {
            var current = lockForWrite(h, callerId, blobId);
            requireVersion(current, expectedVersion, "; reload it and apply the change again");
            // The size before comes from the row as it was when the statement began.
            var replaced = h.createQuery("""
                            update blobs set data = cast(:data as jsonb), schema_version = :schemaVersion,
                                   version = version + 1, title = :title, preview = :preview, size_bytes = :size,
                                   updated_at = now()
                            from (select size_bytes as size_before from blobs where id = :id) was
                            where id = :id returning size_before,\s""" + COLUMNS)
                    .bind("data", text).bind("schemaVersion", schema.version().version())
                    .bind("title", derived.title()).bind("preview", derived.preview()).bind("size", size)
                    .bind("id", blobId)
                    .map((rs, ctx) -> new Replaced(blob(rs, ctx), rs.getInt("size_before"))).one();
            usage.requireRoom(h, current.ownerId(), 0, 0, size - replaced.sizeBefore());
            var blob = replaced.blob();
            append(h, EventType.BLOB_UPDATED, blob, callerId);
            return blob;
        });
    }

    /**
     * Moves a blob to another bucket of the same owner that the caller may write to (with
     * {@code expectedVersion}, only if the blob is still at that version). Its version goes up; its
     * event goes to whoever may see the new bucket, so a blob moved out of a shared bucket is gone
     * for that bucket's sharees, with no hint of where it went.
     */
    public Blob move(UUID callerId, UUID blobId, Long expectedVersion, UUID targetBucketId) {
        if (targetBucketId == null) {
            throw ValidationException.of("/bucketId", "bucketId is required");
        }
        return jdbi.inTransaction(h -> {
            var current = lockForWrite(h, callerId, blobId);
            requireVersion(current, expectedVersion, "; reload it and move it again");
            var target = access.requireTarget(h, Principal.user(callerId), targetBucketId, AccessPolicy.Lock.KEEP, "/bucketId");
            if (!target.ownerId().equals(current.ownerId())) {
                throw ValidationException.of("/bucketId", "a blob moves only among its owner's buckets");
            }
            if (current.bucketId().equals(targetBucketId)) {
                return current;
            }
            var moved = h.createQuery("update blobs set bucket_id = :bucket, version = version + 1, updated_at = now()"
                            + " where id = :id returning " + COLUMNS)
                    .bind("bucket", targetBucketId).bind("id", blobId)
                    .map(this::blob).one();
            // No previous bucket in the event: its new audience may not see that bucket.
            append(h, EventType.BLOB_MOVED, moved, callerId);
            return moved;
        });
    }

    /**
     * A new blob in {@code targetBucketId} (of any owner, if the caller may write there) with the data
     * of one the caller may read, at the schema version it is stored at. Its attachments stay with
     * the original.
     */
    public Blob copy(UUID callerId, UUID blobId, UUID targetBucketId) {
        if (targetBucketId == null) {
            throw ValidationException.of("/bucketId", "bucketId is required");
        }
        var source = get(Principal.user(callerId), blobId);
        return create(callerId, targetBucketId, new NewBlob(source.schemaId(), source.schemaVersion(), source.data()));
    }

    /** Deletes a blob; with {@code expectedVersion} only if it is still at that version. */
    public void delete(UUID callerId, UUID blobId, Long expectedVersion) {
        jdbi.useTransaction(h -> {
            var current = lockForWrite(h, callerId, blobId);
            requireVersion(current, expectedVersion, "");
            h.createUpdate("delete from blobs where id = :id").bind("id", blobId).execute();
            append(h, EventType.BLOB_DELETED, current, callerId);
        });
    }

    /** One processor's result for one version of a blob. */
    public record Derived(UUID blobId, String processor, long sourceVersion, JsonNode result) {
    }

    /**
     * Stores what processors derived from versions of blobs' data, each under
     * {@code derived.<processor>} as {@code {sourceVersion, result}} with a {@code blob.derived}
     * event. The user's data and the blob's version (its ETag) are left as they are. A result never
     * replaces one derived from a newer version, and a blob deleted meanwhile takes nothing: such a
     * result is not written, so late or repeated work of a processor (at-least-once delivery) is
     * harmless. All of them in one transaction: a processor working through a backlog commits once
     * per batch, not once per result.
     *
     * @return how many were written
     */
    public int writeDerived(List<Derived> results) {
        if (results.isEmpty()) {
            return 0;
        }
        // One result per blob and processor, the newest: one statement cannot change a row twice.
        var newest = new java.util.LinkedHashMap<String, Derived>();
        for (var derived : results) {
            newest.merge(derived.blobId() + "/" + derived.processor(), derived,
                    (a, b) -> b.sourceVersion() >= a.sourceVersion() ? b : a);
        }
        var chosen = List.copyOf(newest.values());
        var entries = new String[chosen.size()];
        for (int i = 0; i < chosen.size(); i++) {
            var entry = JsonNodeFactory.instance.objectNode().put("sourceVersion", chosen.get(i).sourceVersion());
            entry.set("result", chosen.get(i).result());
            entries[i] = json.writeValueAsString(entry);
        }
        UUID[] blobIds = chosen.stream().map(Derived::blobId).distinct().toArray(UUID[]::new);
        return jdbi.inTransaction(h -> {
            // Rows locked in one order (by id) by every writer of results: processors writing results
            // for the same blobs at once wait for each other instead of deadlocking.
            h.createQuery("select id from blobs where id = any(:ids) order by id for no key update")
                    .bind("ids", blobIds).mapTo(UUID.class).list();
            // All results in one statement. A row is changed once per statement, so each blob takes all
            // its accepted results at once. The rows are locked, so what is read of them here is how
            // they stay until this transaction ends: a concurrent writer's newer result counts. Blobs
            // with nothing accepted are not written at all. Only what the events need comes back: the
            // data, which may be megabytes, stays in the database.
            List<EventLog.Change> changes = h.createQuery("""
                            with r as (select * from unnest(:ids, :processors, cast(:entries as jsonb[]), :versions)
                                       as r(id, processor, entry, source_version)),
                                 accepted as (
                                     select r.id, jsonb_object_agg(r.processor, r.entry) as entries,
                                            array_agg(r.processor) as written
                                     from r join blobs b on b.id = r.id
                                     where b.version >= r.source_version
                                       and coalesce((b.derived -> r.processor ->> 'sourceVersion')::bigint, 0) <= r.source_version
                                     group by r.id)
                            update blobs b set derived = b.derived || a.entries
                            from accepted a where b.id = a.id
                            returning b.id, b.owner_id, b.bucket_id, b.schema_id, b.schema_version, b.version, a.written""")
                    .bind("ids", chosen.stream().map(Derived::blobId).toArray(UUID[]::new))
                    .bind("processors", chosen.stream().map(Derived::processor).toArray(String[]::new))
                    .bind("entries", entries)
                    .bind("versions", chosen.stream().map(Derived::sourceVersion).toArray(Long[]::new))
                    .map((rs, ctx) -> {
                        var perBlob = new ArrayList<EventLog.Change>();
                        for (String processor : (String[]) rs.getArray("written").getArray()) {
                            UUID blobId = rs.getObject("id", UUID.class);
                            long sourceVersion = newest.get(blobId + "/" + processor).sourceVersion();
                            perBlob.add(new EventLog.Change(EventType.BLOB_DERIVED, rs.getString("schema_id"),
                                    rs.getObject("owner_id", UUID.class), null, rs.getObject("bucket_id", UUID.class), blobId,
                                    rs.getString("schema_id"), rs.getInt("schema_version"), rs.getLong("version"),
                                    JsonNodeFactory.instance.objectNode().put("processor", processor).put("sourceVersion", sourceVersion),
                                    List.of()));
                        }
                        return perBlob;
                    })
                    .list().stream().flatMap(List::stream).toList();
            // Each bucket's audience once, however many of its blobs got results.
            var audiences = new java.util.HashMap<UUID, List<UUID>>();
            events.appendAll(h, changes.stream().map(change -> new EventLog.Change(change.type(), change.subjectKey(),
                    change.ownerId(), null, change.bucketId(), change.blobId(), change.schemaId(), change.schemaVersion(),
                    change.version(), change.data(), audiences.computeIfAbsent(change.bucketId(), bucket -> access.audience(h, bucket))))
                    .toList());
            return changes.size();
        });
    }

    /** The blobs directly in a bucket, in {@code order}, without their content. */
    public Page<BlobSummary> list(Principal who, UUID bucketId, BlobOrder order, PageRequest page) {
        var after = order.after(page.after());
        return jdbi.withHandle(h -> {
            access.requireRead(h, who, bucketId, AccessPolicy.Lock.NONE);
            var rows = h.createQuery("select id, bucket_id, schema_id, schema_version, version, title, preview, created_at,"
                            + " updated_at from blobs where bucket_id = :bucket and " + order.after
                            + " order by " + order.orderBy + " limit :limit")
                    .bind("bucket", bucketId).bindMap(after)
                    .bind("limit", page.limit() + 1)
                    .map((rs, ctx) -> new BlobSummary(rs.getObject("id", UUID.class), rs.getObject("bucket_id", UUID.class),
                            rs.getString("schema_id"), rs.getInt("schema_version"), rs.getLong("version"),
                            rs.getString("title"), rs.getString("preview"), rs.getTimestamp("created_at").toInstant(),
                            rs.getTimestamp("updated_at").toInstant()))
                    .list();
            return page.page(rows, order::key);
        });
    }

    private ValidatedSchema schemaFor(String schemaId, Integer version) {
        var info = schemas.findInfo(schemaId)
                .orElseThrow(() -> ValidationException.of("/schemaId", "there is no schema '" + schemaId + "'"));
        int chosen = version == null ? info.latestVersion() : version;
        if (chosen < 1 || chosen > info.latestVersion()) {
            throw ValidationException.of("/schemaVersion", "schema '" + schemaId + "' has versions 1 to " + info.latestVersion());
        }
        return schemas.compiled(schemaId, chosen);
    }

    private JsonNode checkedData(ValidatedSchema schema, JsonNode data) {
        if (data == null || data.isMissingNode()) {
            throw ValidationException.of("/data", "data is required");
        }
        var violations = schema.violations(data).stream()
                .map(v -> new FieldError("/data" + v.pointer(), v.message()))
                .toList();
        if (!violations.isEmpty()) {
            validationFailures.increment();
            throw new ValidationException("data does not match schema '" + schema.version().schemaId() + "' version "
                    + schema.version().version(), violations);
        }
        return data;
    }

    static int utf8Length(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    /** 412 unless {@code expected} is null (any version) or the blob's current version. */
    private static void requireVersion(Blob current, Long expected, String advice) {
        if (expected != null && current.version() != expected) {
            throw new PreconditionFailedException("blob " + current.id() + " is at version " + current.version()
                    + ", not " + expected + advice);
        }
    }

    /**
     * The blob, locked for a change by the caller: first the owner's tree lock (shared), then the
     * row, the order bucket moves and deletes take them in too.
     */
    private Blob lockForWrite(Handle h, UUID callerId, UUID blobId) {
        var who = Principal.user(callerId);
        AccessPolicy.lockTree(h, require(h, who, blobId, Access.WRITE, false).ownerId(), false);
        return require(h, who, blobId, Access.WRITE, true);
    }

    /**
     * The blob if {@code who} has {@code needed} access to its bucket: else 404 when invisible,
     * 403 when read-only. The row's JSON is parsed only once the caller may see it, so an
     * invisible blob costs no more to refuse than an id of nothing.
     */
    private Blob require(Handle h, Principal who, UUID blobId, Access needed, boolean lock) {
        var row = h.createQuery("select " + COLUMNS + " from blobs where id = :id" + (lock ? " for update" : ""))
                .bind("id", blobId)
                .map((rs, ctx) -> new Row(rs.getObject("bucket_id", UUID.class), parsedLater(rs)))
                .findOne().orElse(null);
        access.requireBlobAccess(h, who, blobId, row == null ? null : row.bucketId(), needed,
                lock ? AccessPolicy.Lock.KEEP : AccessPolicy.Lock.NONE);
        return row.blob().get();
    }

    private record Replaced(Blob blob, int sizeBefore) {
    }

    /** A blob row read for a decision: its bucket, and the blob itself, parsed only when asked for. */
    private record Row(UUID bucketId, Supplier<Blob> blob) {
    }

    private void append(Handle h, EventType type, Blob blob, UUID actorId) {
        var data = JsonNodeFactory.instance.objectNode().put("title", blob.title()).put("preview", blob.preview());
        events.append(h, new EventLog.Change(type, blob.schemaId(), blob.ownerId(), actorId, blob.bucketId(), blob.id(),
                blob.schemaId(), blob.schemaVersion(), blob.version(), data, access.audience(h, blob.bucketId())));
    }

    Blob blob(ResultSet rs, StatementContext ctx) throws SQLException {
        return parsedLater(rs).get();
    }

    /** Reads a row's columns now; parses its JSON when the supplier is called. */
    private Supplier<Blob> parsedLater(ResultSet rs) throws SQLException {
        UUID id = rs.getObject("id", UUID.class);
        UUID owner = rs.getObject("owner_id", UUID.class);
        UUID bucket = rs.getObject("bucket_id", UUID.class);
        String schemaId = rs.getString("schema_id");
        int schemaVersion = rs.getInt("schema_version");
        long version = rs.getLong("version");
        String title = rs.getString("title");
        String preview = rs.getString("preview");
        String data = rs.getString("data");
        String derived = rs.getString("derived");
        var created = rs.getTimestamp("created_at").toInstant();
        var updated = rs.getTimestamp("updated_at").toInstant();
        return () -> new Blob(id, owner, bucket, schemaId, schemaVersion, version, title, preview, json.readTree(data),
                json.readTree(derived), created, updated, schemaVersion);
    }
}
