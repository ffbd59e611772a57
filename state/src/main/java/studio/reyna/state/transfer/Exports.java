package studio.reyna.state.transfer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.transaction.TransactionIsolationLevel;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;
import studio.reyna.state.attachment.Attachments;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.ObjectMapper;

/**
 * Writes an export ({@link ExportFormat}, {@code docs/export.md}): a bucket's subtree, or everything
 * a user owns, with the schemas its blobs use and, in a zip, the attachments' files.
 *
 * <p>Everything is read in one read-only REPEATABLE READ transaction, one consistent snapshot
 * however long the client takes to read, and written as it is read: blobs, attachments and their
 * chunks come through server-side cursors a few rows at a time, so memory does not grow with the
 * size of the export. Only the buckets (bounded by the bucket quota) are held, to know the scope.
 */
public final class Exports {
    /** Rows fetched per round trip from a cursor. */
    private static final int FETCH_ROWS = 200;
    private static final String TREE = """
            with recursive tree as (
                select id, parent_id, name, created_at, updated_at, 0 as depth from buckets where %s
                union all
                select b.id, b.parent_id, b.name, b.created_at, b.updated_at, t.depth + 1
                from buckets b join tree t on b.parent_id = t.id)
            select id, parent_id, name, created_at, updated_at from tree order by depth, id""";

    private final Jdbi jdbi;
    private final AccessPolicy access;
    private final Attachments attachments;
    private final ObjectMapper json;
    private final TransferSlots slots;

    public Exports(Jdbi jdbi, AccessPolicy access, Attachments attachments, ObjectMapper json, TransferSlots slots) {
        this.jdbi = jdbi;
        this.access = access;
        this.attachments = attachments;
        this.json = json;
        this.slots = slots;
    }

    /**
     * Where an export goes, opened once the caller was found allowed and the export's size is
     * known, and before its first byte: a refusal (404) is still an ordinary answer.
     */
    @FunctionalInterface
    public interface Destination {
        OutputStream open(TransferCounts counts) throws IOException;
    }

    private record ExportedBucket(UUID id, UUID parentId, String name, Timestamp createdAt, Timestamp updatedAt) {
    }

    /**
     * Exports the subtree of {@code bucketId} (a bucket the caller may read; 404 otherwise), or
     * with null every bucket the caller owns; with {@code withAttachments} as a zip holding the
     * document and the attachments' files.
     */
    public void export(UUID callerId, UUID bucketId, boolean withAttachments, Destination destination) {
        slots.run(() -> jdbi.inTransaction(TransactionIsolationLevel.REPEATABLE_READ, h -> {
            h.execute("set transaction read only");
            if (bucketId != null) {
                access.requireRead(h, Principal.user(callerId), bucketId, AccessPolicy.Lock.NONE);
            }
            var buckets = h.createQuery(TREE.formatted(bucketId != null ? "id = :root" : "owner_id = :owner and parent_id is null"))
                    .bind("root", bucketId).bind("owner", callerId)
                    .map((rs, ctx) -> new ExportedBucket(rs.getObject("id", UUID.class), rs.getObject("parent_id", UUID.class),
                            rs.getString("name"), rs.getTimestamp("created_at"), rs.getTimestamp("updated_at")))
                    .list();
            UUID[] scope = buckets.stream().map(ExportedBucket::id).toArray(UUID[]::new);
            var counts = h.createQuery("""
                            select (select count(*) from schema_versions where schema_id in
                                        (select distinct schema_id from blobs where bucket_id = any(:scope))) as versions,
                                   (select count(*) from blobs where bucket_id = any(:scope)) as blobs,
                                   (select count(*) from attachments a join blobs b on b.id = a.blob_id
                                    where b.bucket_id = any(:scope)) as attachments""")
                    .bind("scope", scope)
                    .map((rs, ctx) -> new TransferCounts(rs.getLong("versions"), buckets.size(), rs.getLong("blobs"),
                            rs.getLong("attachments")))
                    .one();
            try {
                var out = destination.open(counts);
                if (withAttachments) {
                    writeZip(h, buckets, scope, out);
                } else {
                    writeDocument(h, buckets, scope, false, out);
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        }));
    }

    private void writeZip(Handle h, List<ExportedBucket> buckets, UUID[] scope, OutputStream out) throws IOException {
        var zip = new ZipOutputStream(out);
        // Most attachments are compressed already (images, archives); the fastest level costs little on them.
        zip.setLevel(Deflater.BEST_SPEED);
        zip.putNextEntry(new ZipEntry(ExportFormat.DOCUMENT_ENTRY));
        var files = writeDocument(h, buckets, scope, true, Unclosable.of(zip));
        zip.closeEntry();
        for (UUID attachmentId : files) {
            zip.putNextEntry(new ZipEntry(ExportFormat.ATTACHMENT_ENTRY_PREFIX + attachmentId));
            attachments.writeContent(h, attachmentId, zip);
            zip.closeEntry();
        }
        zip.finish();
    }

    /**
     * Writes the JSON document, sections in the order an importer needs them in one pass: schemas,
     * buckets parent first, blobs, attachments. Answers the ids of the attachments, in the order
     * their files follow in a zip — ids, not rows, so even many attachments take little memory.
     */
    private List<UUID> writeDocument(Handle h, List<ExportedBucket> buckets, UUID[] scope, boolean withFiles,
                                     OutputStream out) {
        var files = new ArrayList<UUID>();
        try (JsonGenerator g = json.createGenerator(Unclosable.of(out))) {
            g.writeStartObject();
            g.writeStringProperty("format", ExportFormat.FORMAT);
            g.writeNumberProperty("version", ExportFormat.VERSION);
            g.writeStringProperty("exportedAt", java.time.Instant.now().toString());
            writeSchemas(h, scope, g);
            g.writeArrayPropertyStart("buckets");
            for (var bucket : buckets) {
                g.writeStartObject();
                g.writeStringProperty("id", bucket.id().toString());
                // The root of a subtree is a root of the export: its parent is outside it.
                boolean root = bucket == buckets.getFirst() || bucket.parentId() == null;
                g.writeStringProperty("parentId", root ? null : bucket.parentId().toString());
                g.writeStringProperty("name", bucket.name());
                g.writeStringProperty("createdAt", bucket.createdAt().toInstant().toString());
                g.writeStringProperty("updatedAt", bucket.updatedAt().toInstant().toString());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeArrayPropertyStart("blobs");
            h.createQuery("""
                            select id, bucket_id, schema_id, schema_version, data::text as data, created_at, updated_at
                            from blobs where bucket_id = any(:scope) order by id""")
                    .bind("scope", scope).setFetchSize(FETCH_ROWS)
                    .map((rs, ctx) -> {
                        g.writeStartObject();
                        g.writeStringProperty("id", rs.getObject("id", UUID.class).toString());
                        g.writeStringProperty("bucketId", rs.getObject("bucket_id", UUID.class).toString());
                        g.writeStringProperty("schemaId", rs.getString("schema_id"));
                        g.writeNumberProperty("schemaVersion", rs.getInt("schema_version"));
                        // PostgreSQL wrote this JSON; it goes out as it is, never parsed.
                        g.writeName("data");
                        g.writeRawValue(rs.getString("data"));
                        g.writeStringProperty("createdAt", rs.getTimestamp("created_at").toInstant().toString());
                        g.writeStringProperty("updatedAt", rs.getTimestamp("updated_at").toInstant().toString());
                        g.writeEndObject();
                        return 1;
                    })
                    .forEach(written -> { });
            g.writeEndArray();
            g.writeArrayPropertyStart("attachments");
            h.createQuery("""
                            select a.id, a.blob_id, a.filename, a.content_type, a.size_bytes, a.sha256, a.created_at
                            from attachments a join blobs b on b.id = a.blob_id
                            where b.bucket_id = any(:scope) order by a.id""")
                    .bind("scope", scope).setFetchSize(FETCH_ROWS)
                    .map((rs, ctx) -> {
                        UUID id = rs.getObject("id", UUID.class);
                        g.writeStartObject();
                        g.writeStringProperty("id", id.toString());
                        g.writeStringProperty("blobId", rs.getObject("blob_id", UUID.class).toString());
                        g.writeStringProperty("filename", rs.getString("filename"));
                        g.writeStringProperty("contentType", rs.getString("content_type"));
                        g.writeNumberProperty("size", rs.getLong("size_bytes"));
                        g.writeStringProperty("sha256", HexFormat.of().formatHex(rs.getBytes("sha256")));
                        g.writeStringProperty("createdAt", rs.getTimestamp("created_at").toInstant().toString());
                        g.writeStringProperty("path", withFiles ? ExportFormat.ATTACHMENT_ENTRY_PREFIX + id : null);
                        g.writeEndObject();
                        return id;
                    })
                    .forEach(id -> {
                        if (withFiles) {
                            files.add(id);
                        }
                    });
            g.writeEndArray();
            g.writeEndObject();
        }
        return files;
    }

    /** The schemas the exported blobs use, each with all its versions (a blob may be at any of them). */
    private void writeSchemas(Handle h, UUID[] scope, JsonGenerator g) {
        g.writeArrayPropertyStart("schemas");
        String[] open = {null};
        h.createQuery("""
                        select s.id, s.name, s.description, v.version, v.document::text as document, v.migration::text as migration
                        from schemas s join schema_versions v on v.schema_id = s.id
                        where s.id in (select distinct schema_id from blobs where bucket_id = any(:scope))
                        order by s.id, v.version""")
                .bind("scope", scope).setFetchSize(FETCH_ROWS)
                .map((rs, ctx) -> {
                    String id = rs.getString("id");
                    if (!id.equals(open[0])) {
                        if (open[0] != null) {
                            g.writeEndArray();
                            g.writeEndObject();
                        }
                        open[0] = id;
                        g.writeStartObject();
                        g.writeStringProperty("id", id);
                        g.writeStringProperty("name", rs.getString("name"));
                        g.writeStringProperty("description", rs.getString("description"));
                        g.writeArrayPropertyStart("versions");
                    }
                    g.writeStartObject();
                    g.writeNumberProperty("version", rs.getInt("version"));
                    // Stored as json, not jsonb: the text as published, its property order kept.
                    g.writeName("document");
                    g.writeRawValue(rs.getString("document"));
                    if (rs.getString("migration") != null) {
                        // Old blobs read migrated through it, here and wherever they are imported.
                        g.writeName("migration");
                        g.writeRawValue(rs.getString("migration"));
                    }
                    g.writeEndObject();
                    return 1;
                })
                .forEach(written -> { });
        if (open[0] != null) {
            g.writeEndArray();
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
