package studio.reyna.state.attachment;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import studio.reyna.core.Ids;
import studio.reyna.core.event.EventType;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.BadRequestException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.UnavailableException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.events.EventLog;
import studio.reyna.state.access.Access;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;
import studio.reyna.state.usage.Usage;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Files attached to blobs (the GridFS role): streamed in and out, never held whole in memory,
 * stored as chunks in PostgreSQL or, when configured, as objects in an S3-compatible store. Who
 * may do what follows the blob: whoever may read it reads its attachments, whoever may write it
 * adds and deletes them ({@link AccessPolicy}).
 *
 * <p>An attachment exists only once every byte is stored: its row (which the database counts in
 * the owner's storage usage), the quota check and its {@code attachment.added} event are written
 * in one transaction at the end of the upload. An
 * upload that fails on the way — the client goes away, the file passes the limit, the quota is
 * exceeded — leaves nothing: in PostgreSQL its chunks roll back with the transaction; in S3 its
 * object is deleted at once, or by the {@link AttachmentSweeper} if that fails.
 */
public final class Attachments {
    private static final Logger log = LoggerFactory.getLogger(Attachments.class);
    private static final String COLUMNS = """
            id, blob_id, filename, content_type, size_bytes, sha256, storage, chunk_bytes, object_key, created_at""";
    private static final Pattern MEDIA_TYPE = Pattern.compile(
            "^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(\\s*;.*)?$");
    private static final String DEFAULT_CONTENT_TYPE = "application/octet-stream";

    /**
     * @param maxBytes   the largest file accepted
     * @param maxUploads uploads this node receives at once; each holds a database connection
     *                   (PostgreSQL storage) or a part buffer (S3) while it runs
     */
    public record Settings(long maxBytes, int maxUploads) {
    }

    private final Jdbi jdbi;
    private final AccessPolicy access;
    private final EventLog events;
    private final Ids ids;
    private final Settings settings;
    private final Usage usage;
    /** Null when attachments are kept in PostgreSQL. */
    private final S3Objects s3;
    private final AttachmentSweeper sweeper;
    private final Semaphore uploads;

    public Attachments(Jdbi jdbi, AccessPolicy access, EventLog events, Ids ids, Settings settings, Usage usage,
                       S3Objects s3, AttachmentSweeper sweeper, MeterRegistry metrics) {
        this.jdbi = jdbi;
        this.access = access;
        this.events = events;
        this.ids = ids;
        this.settings = settings;
        this.usage = usage;
        this.s3 = s3;
        this.sweeper = sweeper;
        this.uploads = new Semaphore(settings.maxUploads());
        Gauge.builder("reyna.attachment.uploads", uploads, u -> settings.maxUploads() - u.availablePermits())
                .description("uploads of attachments in progress on this node")
                .register(metrics);
    }

    /** The largest file accepted, in bytes. */
    public long maxBytes() {
        return settings.maxBytes();
    }

    /** Stores the file of {@code upload} as an attachment of a blob the caller may write to. */
    public Attachment add(UUID callerId, UUID blobId, Upload upload) {
        return add(callerId, blobId, upload, 0);
    }

    /**
     * As {@link #add(UUID, UUID, Upload)}, for a file known to have at least {@code atLeastBytes}
     * (from the request's {@code Content-Length}): one that cannot fit the owner's storage quota
     * is refused before a byte of it is read, not after the whole file arrived.
     */
    public Attachment add(UUID callerId, UUID blobId, Upload upload, long atLeastBytes) {
        if (!uploads.tryAcquire()) {
            throw new UnavailableException("this node is receiving " + settings.maxUploads()
                    + " uploads already; try again in a moment", 5);
        }
        try {
            return s3 == null ? addToPostgres(Principal.user(callerId), blobId, upload, atLeastBytes)
                    : addToS3(Principal.user(callerId), blobId, upload, atLeastBytes);
        } finally {
            uploads.release();
        }
    }

    /**
     * One transaction from the first byte to the last: the chunks go in as they arrive, and the
     * row that makes them an attachment goes in last. Nothing is locked while the bytes stream in
     * (the chunks refer to a row that does not exist yet; that is checked at commit), so a long
     * upload blocks no other write; the access check is made again, with the locks every write
     * takes, before the row is inserted.
     */
    private Attachment addToPostgres(Principal who, UUID blobId, Upload upload, long atLeastBytes) {
        return jdbi.inTransaction(h -> {
            var blob = requireBlob(h, who, blobId, Access.WRITE, false);
            usage.requireRoomAhead(h, blob.ownerId(), atLeastBytes);
            var content = opened(upload);
            UUID id = ids.next();
            Stored stored;
            try {
                stored = PostgresChunks.write(h, id, content.bytes(), settings.maxBytes());
                upload.finish();
            } catch (IOException e) {
                throw interrupted();
            }
            return insert(h, who, blobId, id, content, stored, "postgres", PostgresChunks.CHUNK_BYTES, null);
        });
    }

    /**
     * The bytes go to the store with no database connection held; the row follows in a short
     * transaction. The object is listed as garbage while it is being written, so one whose upload
     * never finishes (a crash) is deleted a day later; a finished upload takes itself off that list
     * in the transaction that inserts its row.
     */
    private Attachment addToS3(Principal who, UUID blobId, Upload upload, long atLeastBytes) {
        jdbi.useHandle(h -> usage.requireRoomAhead(h, requireBlob(h, who, blobId, Access.WRITE, false).ownerId(), atLeastBytes));
        var content = opened(upload);
        UUID id = ids.next();
        String key = "attachments/" + id;
        sweeper.uploading(key);
        Stored stored;
        try {
            stored = s3.put(key, content.contentType(), content.bytes(), settings.maxBytes(),
                    uploadId -> sweeper.multipartStarted(key, uploadId));
            upload.finish();
        } catch (IOException e) {
            sweeper.collect(key);
            throw interrupted();
        } catch (SdkException e) {
            sweeper.collect(key);
            throw storeUnavailable(e);
        } catch (RuntimeException e) {
            sweeper.collect(key);
            throw e;
        }
        try {
            return jdbi.inTransaction(h -> {
                h.createUpdate("delete from attachment_garbage where object_key = :key").bind("key", key).execute();
                return insert(h, who, blobId, id, content, stored, "s3", null, key);
            });
        } catch (RuntimeException e) {
            sweeper.collect(key);
            throw e;
        }
    }

    /** The end of every upload, in its transaction: access checked again, the row, the quota, the event. */
    private Attachment insert(Handle h, Principal who, UUID blobId, UUID id, Upload.Content content, Stored stored,
                              String storage, Integer chunkBytes, String objectKey) {
        var seen = requireBlob(h, who, blobId, Access.WRITE, false);
        AccessPolicy.lockTree(h, seen.ownerId(), false);
        var blob = requireBlob(h, who, blobId, Access.WRITE, true);
        var attachment = h.createQuery("""
                        insert into attachments (id, blob_id, owner_id, filename, content_type, size_bytes, sha256,
                                                 storage, chunk_bytes, object_key)
                        values (:id, :blob, :owner, :filename, :contentType, :size, :sha256, :storage, :chunkBytes, :objectKey)
                        returning\s""" + COLUMNS)
                .bind("id", id).bind("blob", blobId).bind("owner", blob.ownerId())
                .bind("filename", content.filename()).bind("contentType", content.contentType())
                .bind("size", stored.size()).bind("sha256", stored.sha256()).bind("storage", storage)
                .bind("chunkBytes", chunkBytes).bind("objectKey", objectKey)
                .map(Attachments::row).one();
        // The insert counted the bytes in the owner's usage (a trigger); past the quota, all of it rolls back.
        usage.requireRoom(h, blob.ownerId(), 0, 0, stored.size());
        append(h, EventType.ATTACHMENT_ADDED, blob, attachment.attachment(), who.userId());
        return attachment.attachment();
    }

    /** The attachments of a blob the principal may see, oldest first. */
    public Page<Attachment> list(Principal who, UUID blobId, PageRequest page) {
        return jdbi.withHandle(h -> {
            requireBlob(h, who, blobId, Access.READ, false);
            var rows = h.createQuery("select " + COLUMNS + " from attachments where blob_id = :blob and id > :after"
                            + " order by id limit :limit")
                    .bind("blob", blobId).bind("after", page.afterIdOrStart()).bind("limit", page.limit() + 1)
                    .map((rs, ctx) -> row(rs, ctx).attachment()).list();
            return page.page(rows, a -> a.id().toString());
        });
    }

    /** An attachment of a blob the principal may see, ready to be read. */
    public Download open(Principal who, UUID blobId, UUID attachmentId) {
        var row = jdbi.withHandle(h -> {
            requireBlob(h, who, blobId, Access.READ, false);
            return h.createQuery("select " + COLUMNS + " from attachments where id = :id and blob_id = :blob")
                    .bind("id", attachmentId).bind("blob", blobId)
                    .map(Attachments::row).findOne()
                    .orElseThrow(() -> new NotFoundException("blob " + blobId + " has no attachment " + attachmentId));
        });
        return new Download(row.attachment(), (first, last, out) -> read(row, first, last, out));
    }

    private void read(Row row, long first, long last, OutputStream out) throws IOException {
        if (row.objectKey() == null) {
            PostgresChunks.read(jdbi, row.attachment().id(), row.chunkBytes(), first, last, out);
            return;
        }
        if (s3 == null) {
            throw new UnavailableException("attachment " + row.attachment().id()
                    + " is kept in S3, and this node has no S3 store configured", 60);
        }
        try {
            s3.read(row.objectKey(), first, last, out);
        } catch (SdkException e) {
            throw storeUnavailable(e);
        }
    }

    /**
     * Writes all the bytes of an attachment to {@code out}, read in the transaction of {@code h} (an
     * export's snapshot), one chunk at a time.
     */
    public void writeContent(Handle h, UUID attachmentId, OutputStream out) throws IOException {
        var row = h.createQuery("select " + COLUMNS + " from attachments where id = :id")
                .bind("id", attachmentId).map(Attachments::row).one();
        if (row.objectKey() == null) {
            try (var chunks = h.createQuery("select data from attachment_chunks where attachment_id = :id order by seq")
                    .bind("id", attachmentId).setFetchSize(1).mapTo(byte[].class).iterator()) {
                while (chunks.hasNext()) {
                    out.write(chunks.next());
                }
            }
        } else if (row.attachment().size() > 0) {
            read(row, 0, row.attachment().size() - 1, out);
        }
    }

    /** An attachment an import brings: its id here, the blob (here) it belongs to, and what the export says of the file. */
    public record Imported(UUID id, UUID blobId, String filename, String contentType, long size, String sha256,
                           java.time.Instant createdAt) {
    }

    /**
     * Stores an imported file in the import's transaction {@code h}, acted by {@code actorId}, unless
     * an attachment with its id is here already (an import repeated): then answers false and reads
     * nothing. The bytes must be the size and SHA-256 the export names, or nothing is stored (422 at
     * {@code pointer}). The quota is left to the import, which checks it once for everything.
     */
    public boolean restore(Handle h, UUID actorId, Imported file, InputStream bytes, String pointer) throws IOException {
        if (h.createQuery("select exists (select 1 from attachments where id = :id)").bind("id", file.id())
                .mapTo(Boolean.class).one()) {
            return false;
        }
        String filename;
        String contentType;
        try {
            filename = checkedFilename(file.filename());
            contentType = checkedContentType(file.contentType());
        } catch (ValidationException e) {
            throw new ValidationException(e.detail(), e.errors().stream()
                    .map(error -> new studio.reyna.core.problem.FieldError(pointer + error.pointer(), error.message())).toList());
        }
        var blob = h.createQuery("select id, owner_id, bucket_id, schema_id, schema_version from blobs where id = :id for key share")
                .bind("id", file.blobId())
                .map((rs, ctx) -> new BlobRow(rs.getObject("id", UUID.class), rs.getObject("owner_id", UUID.class),
                        rs.getObject("bucket_id", UUID.class), rs.getString("schema_id"), rs.getInt("schema_version")))
                .one();
        Stored stored;
        String key = null;
        if (s3 == null) {
            stored = PostgresChunks.write(h, file.id(), bytes, settings.maxBytes());
        } else {
            key = "attachments/" + file.id();
            String objectKey = key;
            // Listed as garbage in a transaction of its own: if the import rolls back, the object goes too.
            sweeper.uploading(objectKey);
            try {
                stored = s3.put(objectKey, contentType, bytes, settings.maxBytes(), uploadId -> sweeper.multipartStarted(objectKey, uploadId));
            } catch (SdkException e) {
                throw storeUnavailable(e);
            }
            h.createUpdate("delete from attachment_garbage where object_key = :key").bind("key", key).execute();
        }
        String sha256 = HexFormat.of().formatHex(stored.sha256());
        if (stored.size() != file.size() || !sha256.equalsIgnoreCase(file.sha256())) {
            throw ValidationException.of(pointer + "/sha256", "the file in the zip has " + stored.size()
                    + " bytes with SHA-256 " + sha256 + ", not the " + file.size() + " bytes and SHA-256 the export names");
        }
        var attachment = h.createQuery("""
                        insert into attachments (id, blob_id, owner_id, filename, content_type, size_bytes, sha256,
                                                 storage, chunk_bytes, object_key, created_at)
                        values (:id, :blob, :owner, :filename, :contentType, :size, :sha256, :storage, :chunkBytes,
                                :objectKey, :createdAt)
                        returning\s""" + COLUMNS)
                .bind("id", file.id()).bind("blob", blob.id()).bind("owner", blob.ownerId())
                .bind("filename", filename).bind("contentType", contentType)
                .bind("size", stored.size()).bind("sha256", stored.sha256()).bind("storage", key == null ? "postgres" : "s3")
                .bind("chunkBytes", key == null ? PostgresChunks.CHUNK_BYTES : null).bind("objectKey", key)
                .bind("createdAt", java.sql.Timestamp.from(file.createdAt()))
                .map(Attachments::row).one();
        append(h, EventType.ATTACHMENT_ADDED, blob, attachment.attachment(), actorId);
        return true;
    }

    /** Deletes an attachment of a blob the caller may write to; its bytes go back to the owner's quota (a trigger counts them). */
    public void delete(UUID callerId, UUID blobId, UUID attachmentId) {
        var who = Principal.user(callerId);
        var gone = jdbi.inTransaction(h -> {
            var seen = requireBlob(h, who, blobId, Access.WRITE, false);
            AccessPolicy.lockTree(h, seen.ownerId(), false);
            var blob = requireBlob(h, who, blobId, Access.WRITE, true);
            var row = h.createQuery("delete from attachments where id = :id and blob_id = :blob returning " + COLUMNS)
                    .bind("id", attachmentId).bind("blob", blobId)
                    .map(Attachments::row).findOne()
                    .orElseThrow(() -> new NotFoundException("blob " + blobId + " has no attachment " + attachmentId));
            append(h, EventType.ATTACHMENT_DELETED, blob, row.attachment(), callerId);
            return row;
        });
        // The database listed the object as garbage in the deleting transaction; delete it now.
        if (gone.objectKey() != null && sweeper != null) {
            sweeper.wake();
        }
    }

    private void append(Handle h, EventType type, BlobRow blob, Attachment attachment, UUID actorId) {
        var data = JsonNodeFactory.instance.objectNode()
                .put("attachmentId", attachment.id().toString())
                .put("filename", attachment.filename())
                .put("contentType", attachment.contentType())
                .put("size", attachment.size())
                .put("sha256", attachment.sha256());
        events.append(h, new EventLog.Change(type, blob.schemaId(), blob.ownerId(), actorId, blob.bucketId(), blob.id(),
                blob.schemaId(), blob.schemaVersion(), null, data, access.audience(h, blob.bucketId())));
    }

    /** The upload's file name and type, checked; reading the body begins here. */
    private static Upload.Content opened(Upload upload) {
        Upload.Content content;
        try {
            content = upload.open();
        } catch (IOException e) {
            throw interrupted();
        }
        return new Upload.Content(checkedFilename(content.filename()), checkedContentType(content.contentType()),
                content.bytes());
    }

    static String checkedFilename(String filename) {
        if (filename == null || filename.isBlank()) {
            throw ValidationException.of("/filename", "a file name is required: send ?filename=, a Content-Disposition "
                    + "header with a filename, or a multipart part with one");
        }
        String name = filename.strip();
        if (name.codePointCount(0, name.length()) > 255) {
            throw ValidationException.of("/filename", "the file name must be at most 255 characters");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c)) {
                throw ValidationException.of("/filename", "the file name must not contain control characters");
            }
            if (c == '/' || c == '\\') {
                throw ValidationException.of("/filename", "the file name must not contain / or \\ (a name, not a path)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ValidationException.of("/filename", "the file name must not contain an unpaired UTF-16 surrogate");
            }
        }
        if (name.equals(".") || name.equals("..")) {
            throw ValidationException.of("/filename", "the file name must be a name, not . or ..");
        }
        return name;
    }

    static String checkedContentType(String contentType) {
        if (contentType == null || contentType.isBlank()) {
            return DEFAULT_CONTENT_TYPE;
        }
        String type = contentType.strip();
        int semicolon = type.indexOf(';');
        String essence = (semicolon < 0 ? type : type.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
        String normalized = essence + (semicolon < 0 ? "" : type.substring(semicolon));
        if (normalized.length() > 255 || !MEDIA_TYPE.matcher(normalized).matches()
                || normalized.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c > 0x7e)) {
            throw ValidationException.of("/contentType", "'" + contentType.replaceAll("\\p{Cntrl}", "?")
                    + "' is not a media type such as image/png (at most 255 characters of ASCII)");
        }
        return normalized;
    }

    private static BadRequestException interrupted() {
        return new BadRequestException("the upload ended before the whole file arrived; nothing was stored");
    }

    private static UnavailableException storeUnavailable(SdkException e) {
        log.warn("the S3 attachment store failed: {}", e.getMessage());
        return new UnavailableException("the attachment store cannot be reached; try again later", 30);
    }

    /**
     * The blob if {@code who} has {@code needed} access to its bucket, with the lock a write keeps
     * (the blob row and its bucket kept from deletion until the transaction ends); else 404 when
     * invisible — exactly as for a blob that does not exist, decided in the same time — or 403 when
     * read-only.
     */
    private BlobRow requireBlob(Handle h, Principal who, UUID blobId, Access needed, boolean lock) {
        var row = h.createQuery("select id, owner_id, bucket_id, schema_id, schema_version from blobs where id = :id"
                        + (lock ? " for key share" : ""))
                .bind("id", blobId)
                .map((rs, ctx) -> new BlobRow(rs.getObject("id", UUID.class), rs.getObject("owner_id", UUID.class),
                        rs.getObject("bucket_id", UUID.class), rs.getString("schema_id"), rs.getInt("schema_version")))
                .findOne().orElse(null);
        access.requireBlobAccess(h, who, blobId, row == null ? null : row.bucketId(), needed,
                lock ? AccessPolicy.Lock.KEEP : AccessPolicy.Lock.NONE);
        return row;
    }

    private record BlobRow(UUID id, UUID ownerId, UUID bucketId, String schemaId, int schemaVersion) {
    }

    /** An attachment row: the attachment, and where its bytes are. */
    private record Row(Attachment attachment, Integer chunkBytes, String objectKey) {
    }

    private static Row row(ResultSet rs, StatementContext ctx) throws SQLException {
        var attachment = new Attachment(rs.getObject("id", UUID.class), rs.getObject("blob_id", UUID.class),
                rs.getString("filename"), rs.getString("content_type"), rs.getLong("size_bytes"),
                HexFormat.of().formatHex(rs.getBytes("sha256")), rs.getTimestamp("created_at").toInstant());
        return new Row(attachment, (Integer) rs.getObject("chunk_bytes"), rs.getString("object_key"));
    }

    /** An attachment the caller may read, and the means to read any range of it. */
    public static final class Download {
        private final Attachment attachment;
        private final Reader reader;

        @FunctionalInterface
        interface Reader {
            void read(long first, long last, OutputStream out) throws IOException;
        }

        Download(Attachment attachment, Reader reader) {
            this.attachment = attachment;
            this.reader = reader;
        }

        public Attachment attachment() {
            return attachment;
        }

        /** Writes bytes {@code first} to {@code last} (inclusive, within the size) to {@code out}, as they are read. */
        public void write(long first, long last, OutputStream out) throws IOException {
            if (first < 0 || last < first || last >= attachment.size()) {
                throw new IllegalArgumentException("bytes " + first + "-" + last + " of " + attachment.size());
            }
            reader.read(first, last, out);
        }
    }
}
