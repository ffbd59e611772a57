package studio.reyna.state.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.ZipInputStream;
import org.jdbi.v3.core.Handle;
import studio.reyna.core.event.EventType;
import studio.reyna.core.json.StorableJson;
import studio.reyna.core.problem.BadRequestException;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.events.EventLog;
import studio.reyna.schema.Schemas;
import studio.reyna.schema.ValidatedSchema;
import studio.reyna.state.attachment.Attachments;
import studio.reyna.state.blob.TitleAndPreview;
import studio.reyna.state.bucket.Bucket;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * One import, in its transaction: reads the document section by section, item by item, checks
 * each and writes it. Problems are collected (up to {@link #MAX_PROBLEMS}) with their pointers
 * rather than ending the import at the first, so one answer lists what to fix; from the first
 * problem on nothing more is written (the transaction is rolled back anyway), only checked.
 */
final class ImportRun {
    static final int MAX_PROBLEMS = 100;
    /** Blobs written per statement, or fewer when their JSON passes {@link #BATCH_BYTES}. */
    private static final int BATCH_BLOBS = 500;
    private static final long BATCH_BYTES = 8L << 20;

    private final Handle h;
    private final UUID callerId;
    private final Bucket target;
    private final List<UUID> audience;
    private final Schemas schemas;
    private final Attachments attachments;
    private final EventLog events;
    private final ObjectMapper json;
    private final long maxBlobBytes;
    private final ImportedIds ids;
    /** Reads one item of a section; the parser goes on after it, so what follows is no trailing token. */
    private final ObjectReader items;

    private final List<FieldError> problems = new ArrayList<>();
    /** Exported bucket id → its id here; the buckets seen so far (bounded by the bucket quota). */
    private final Map<UUID, UUID> buckets = new HashMap<>();
    /** "schemaId/version" → the compiled version, for each schema version of the export. */
    private final Map<String, ValidatedSchema> versions = new HashMap<>();
    /** Schemas of the export that could not be imported: their blobs are not checked again. */
    private final Set<String> refusedSchemas = new HashSet<>();
    /** A zip entry's name → the attachment it holds, for the files that follow the document. */
    private final Map<String, PendingFile> files = new LinkedHashMap<>();
    private final List<PendingBlob> batch = new ArrayList<>();
    private long batchBytes;
    private final Set<String> sections = new HashSet<>();

    private long createdVersions, existingVersions, createdBuckets, existingBuckets, createdBlobs, existingBlobs,
            createdAttachments, existingAttachments, withoutFile, createdBytes;

    private record PendingBlob(UUID id, UUID bucketId, String schemaId, int schemaVersion, TitleAndPreview derived,
                               String data, int size, Instant createdAt, Instant updatedAt) {
    }

    private record PendingFile(int index, Attachments.Imported attachment) {
    }

    ImportRun(Handle h, UUID callerId, Bucket target, List<UUID> audience, Schemas schemas, Attachments attachments,
              EventLog events, ObjectMapper json, long maxBlobBytes) {
        this.h = h;
        this.callerId = callerId;
        this.target = target;
        this.audience = audience;
        this.schemas = schemas;
        this.attachments = attachments;
        this.events = events;
        this.json = json;
        this.maxBlobBytes = maxBlobBytes;
        this.ids = new ImportedIds(target.id());
        this.items = json.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // Blobs are counted in the owner's usage once per batch, here, not once per row by the
        // database (V15): one usage row updated 100,000 times in one transaction takes minutes.
        h.execute("set local reyna.blob_usage = 'counted_by_writer'");
    }

    ImportResult result() {
        return new ImportResult(new TransferCounts(createdVersions, createdBuckets, createdBlobs, createdAttachments),
                new TransferCounts(existingVersions, existingBuckets, existingBlobs, existingAttachments), withoutFile);
    }

    /** Bytes of content the import added to the owner's storage: blob JSON and files. */
    long createdBytes() {
        return createdBytes;
    }

    /** Reads the JSON document to its end; in a zip, files named in it are expected to follow. */
    void readDocument(InputStream in, boolean inZip) {
        try (JsonParser p = json.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequestException("an export is a JSON object ({\"format\":\"" + ExportFormat.FORMAT
                        + "\",…}); nothing was imported");
            }
            boolean formatSeen = false;
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (!formatSeen && !name.equals("format")) {
                    throw ValidationException.of("/format", "an export begins with \"format\": \"" + ExportFormat.FORMAT + "\"");
                }
                switch (name) {
                    case "format" -> {
                        if (p.currentToken() != JsonToken.VALUE_STRING || !ExportFormat.FORMAT.equals(p.getString())) {
                            throw ValidationException.of("/format", "format must be \"" + ExportFormat.FORMAT + "\"");
                        }
                        formatSeen = true;
                    }
                    case "version" -> {
                        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getIntValue() != ExportFormat.VERSION) {
                            throw ValidationException.of("/version", "this studio reads version " + ExportFormat.VERSION
                                    + " of the export format");
                        }
                    }
                    case "schemas", "buckets", "blobs", "attachments" -> readSection(p, name, inZip);
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new BadRequestException("the export has something after its JSON document; nothing was imported");
            }
            if (!formatSeen) {
                throw ValidationException.of("/format", "an export begins with \"format\": \"" + ExportFormat.FORMAT + "\"");
            }
        }
        flushBlobs();
        if (!problems.isEmpty()) {
            throw refused();
        }
    }

    private void readSection(JsonParser p, String section, boolean inZip) {
        if (!sections.add(section)) {
            throw ValidationException.of("/" + section, section + " appears twice in the export");
        }
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw ValidationException.of("/" + section, section + " must be an array");
        }
        if (section.equals("attachments")) {
            flushBlobs();
        }
        int index = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            JsonNode item = items.readTree(p);
            String pointer = "/" + section + "/" + index;
            if (!item.isObject()) {
                problem(pointer, "each item of " + section + " must be an object");
            } else if (storable(item, pointer)) {
                switch (section) {
                    case "schemas" -> schema(item, pointer);
                    case "buckets" -> bucket(item, pointer);
                    case "blobs" -> blob(item, pointer);
                    default -> attachment(item, index, inZip);
                }
            }
            index++;
        }
    }

    private void schema(JsonNode item, String pointer) {
        String id = text(item, "id", pointer);
        var list = item.path("versions");
        if (!list.isArray() || list.isEmpty()) {
            problem(pointer + "/versions", "versions must be a non-empty array of {version, document}, from version 1");
            refusedSchemas.add(id);
            return;
        }
        var documents = new ArrayList<JsonNode>();
        var migrations = new ArrayList<JsonNode>();
        for (int i = 0; i < list.size(); i++) {
            var version = list.get(i);
            if (!version.path("version").isIntegralNumber() || version.path("version").asInt() != i + 1) {
                problem(pointer + "/versions/" + i + "/version", "versions are listed in order from 1 without gaps: this one must be " + (i + 1));
                refusedSchemas.add(id);
                return;
            }
            documents.add(version.path("document"));
            var migration = version.path("migration");
            migrations.add(migration.isMissingNode() || migration.isNull() ? null : migration);
        }
        if (id == null) {
            return;
        }
        try {
            var restored = schemas.restore(h, callerId, id, item.path("name").isString() ? item.path("name").asString() : null,
                    item.path("description").isString() ? item.path("description").asString() : null, documents, migrations,
                    pointer);
            createdVersions += restored.created();
            existingVersions += restored.existing();
            for (var version : restored.versions()) {
                versions.put(id + "/" + version.version().version(), version);
            }
        } catch (ValidationException e) {
            e.errors().forEach(error -> problem(error.pointer(), error.message()));
            refusedSchemas.add(id);
        }
    }

    private void bucket(JsonNode item, String pointer) {
        UUID exported = uuid(item, "id", pointer);
        JsonNode parentNode = item.path("parentId");
        UUID parent = target.id();
        if (!parentNode.isMissingNode() && !parentNode.isNull()) {
            UUID exportedParent = uuid(item, "parentId", pointer);
            parent = exportedParent == null ? null : buckets.get(exportedParent);
            if (exportedParent != null && parent == null) {
                problem(pointer + "/parentId", "bucket " + exportedParent + " is not earlier in the export (buckets are listed parent first)");
            }
        }
        String name = bucketName(item, pointer);
        Instant createdAt = instant(item, "createdAt", pointer);
        Instant updatedAt = instant(item, "updatedAt", pointer);
        if (exported == null) {
            return;
        }
        UUID id = ids.of("bucket", exported);
        if (buckets.putIfAbsent(exported, id) != null) {
            problem(pointer + "/id", "bucket " + exported + " appears twice in the export");
            return;
        }
        if (!writing() || parent == null || name == null || createdAt == null || updatedAt == null) {
            return;
        }
        // Without a conflict target, a sibling of the same name is no error here but an insert that did nothing.
        boolean inserted = h.createUpdate("""
                        insert into buckets (id, owner_id, parent_id, name, created_at, updated_at)
                        values (:id, :owner, :parent, :name, :createdAt, :updatedAt) on conflict do nothing""")
                .bind("id", id).bind("owner", target.ownerId()).bind("parent", parent).bind("name", name)
                .bind("createdAt", Timestamp.from(createdAt)).bind("updatedAt", Timestamp.from(updatedAt))
                .execute() == 1;
        if (inserted) {
            createdBuckets++;
            var data = JsonNodeFactory.instance.objectNode().put("name", name).put("parentId", parent.toString());
            events.append(h, new EventLog.Change(EventType.BUCKET_CREATED, id.toString(), target.ownerId(), callerId, id,
                    null, null, null, null, data, audience));
        } else if (h.createQuery("select exists (select 1 from buckets where id = :id)").bind("id", id).mapTo(Boolean.class).one()) {
            existingBuckets++;
        } else {
            problem(pointer + "/name", "there is a bucket named '" + name + "' where this one would go already;"
                    + " rename it, or import into another bucket");
        }
    }

    private void blob(JsonNode item, String pointer) {
        UUID exported = uuid(item, "id", pointer);
        UUID exportedBucket = uuid(item, "bucketId", pointer);
        UUID bucket = exportedBucket == null ? null : buckets.get(exportedBucket);
        if (exportedBucket != null && bucket == null) {
            problem(pointer + "/bucketId", "bucket " + exportedBucket + " is not in the export's buckets");
        }
        String schemaId = text(item, "schemaId", pointer);
        JsonNode versionNode = item.path("schemaVersion");
        if (!versionNode.isIntegralNumber() || !versionNode.canConvertToInt()) {
            problem(pointer + "/schemaVersion", "schemaVersion must be a whole number");
            return;
        }
        Instant createdAt = instant(item, "createdAt", pointer);
        Instant updatedAt = instant(item, "updatedAt", pointer);
        JsonNode data = item.path("data");
        if (data.isMissingNode()) {
            problem(pointer + "/data", "data is required");
            return;
        }
        if (schemaId == null || refusedSchemas.contains(schemaId)) {
            return;
        }
        var schema = versions.get(schemaId + "/" + versionNode.asInt());
        if (schema == null) {
            problem(pointer + "/schemaVersion", "schema '" + schemaId + "' version " + versionNode.asInt()
                    + " is not in the export's schemas");
            return;
        }
        int before = problems.size();
        schema.violations(data).forEach(violation -> problem(pointer + "/data" + violation.pointer(), violation.message()));
        String text = json.writeValueAsString(data);
        int size = text.getBytes(StandardCharsets.UTF_8).length;
        if (size > maxBlobBytes) {
            problem(pointer + "/data", "the blob's JSON has " + size + " bytes; the largest accepted has " + maxBlobBytes);
        }
        if (problems.size() > before || exported == null || bucket == null || createdAt == null || updatedAt == null || !writing()) {
            return;
        }
        batch.add(new PendingBlob(ids.of("blob", exported), bucket, schemaId, versionNode.asInt(),
                TitleAndPreview.of(schema.version().document(), data), text, size, createdAt, updatedAt));
        batchBytes += size;
        if (batch.size() >= BATCH_BLOBS || batchBytes >= BATCH_BYTES) {
            flushBlobs();
        }
    }

    /** Writes the blobs read so far in one statement; those whose id is here already are counted, not written. */
    private void flushBlobs() {
        if (batch.isEmpty()) {
            return;
        }
        if (writing()) {
            var byId = new HashMap<UUID, PendingBlob>();
            batch.forEach(blob -> byId.put(blob.id(), blob));
            List<UUID> inserted = h.createQuery("""
                            insert into blobs (id, owner_id, bucket_id, schema_id, schema_version, title, preview, data,
                                               size_bytes, created_at, updated_at)
                            select r.id, :owner, r.bucket_id, r.schema_id, r.schema_version, r.title, r.preview,
                                   cast(r.data as jsonb), r.size_bytes, r.created_at, r.updated_at
                            from unnest(:ids, :buckets, :schemaIds, :schemaVersions, :titles, :previews, :data, :sizes,
                                        cast(:createdAt as timestamptz[]), cast(:updatedAt as timestamptz[]))
                                 as r(id, bucket_id, schema_id, schema_version, title, preview, data, size_bytes, created_at, updated_at)
                            on conflict (id) do nothing
                            returning id""")
                    .bind("owner", target.ownerId())
                    .bind("ids", batch.stream().map(PendingBlob::id).toArray(UUID[]::new))
                    .bind("buckets", batch.stream().map(PendingBlob::bucketId).toArray(UUID[]::new))
                    .bind("schemaIds", batch.stream().map(PendingBlob::schemaId).toArray(String[]::new))
                    .bind("schemaVersions", batch.stream().map(PendingBlob::schemaVersion).toArray(Integer[]::new))
                    .bind("titles", batch.stream().map(b -> b.derived().title()).toArray(String[]::new))
                    .bind("previews", batch.stream().map(b -> b.derived().preview()).toArray(String[]::new))
                    .bind("data", batch.stream().map(PendingBlob::data).toArray(String[]::new))
                    .bind("sizes", batch.stream().map(PendingBlob::size).toArray(Integer[]::new))
                    .bind("createdAt", batch.stream().map(b -> b.createdAt().toString()).toArray(String[]::new))
                    .bind("updatedAt", batch.stream().map(b -> b.updatedAt().toString()).toArray(String[]::new))
                    .mapTo(UUID.class).list();
            var changes = new ArrayList<EventLog.Change>(inserted.size());
            long insertedBytes = 0;
            for (UUID id : inserted) {
                var blob = byId.get(id);
                insertedBytes += blob.size();
                var data = JsonNodeFactory.instance.objectNode().put("title", blob.derived().title())
                        .put("preview", blob.derived().preview());
                changes.add(new EventLog.Change(EventType.BLOB_CREATED, blob.schemaId(), target.ownerId(), callerId,
                        blob.bucketId(), id, blob.schemaId(), blob.schemaVersion(), 1L, data, audience));
            }
            events.appendAll(h, changes);
            h.createUpdate("update user_usage set blobs = blobs + :blobs, bytes = bytes + :bytes where user_id = :owner")
                    .bind("blobs", inserted.size()).bind("bytes", insertedBytes).bind("owner", target.ownerId()).execute();
            createdBytes += insertedBytes;
            createdBlobs += inserted.size();
            existingBlobs += batch.size() - inserted.size();
        }
        batch.clear();
        batchBytes = 0;
    }

    private void attachment(JsonNode item, int index, boolean inZip) {
        String pointer = "/attachments/" + index;
        UUID exported = uuid(item, "id", pointer);
        UUID exportedBlob = uuid(item, "blobId", pointer);
        String filename = text(item, "filename", pointer);
        String contentType = item.path("contentType").isString() ? item.path("contentType").asString() : null;
        JsonNode size = item.path("size");
        if (!size.isIntegralNumber() || !size.canConvertToLong() || size.asLong() < 0) {
            problem(pointer + "/size", "size must be a whole number of bytes");
        }
        String sha256 = text(item, "sha256", pointer);
        if (sha256 != null && !sha256.matches("^[0-9a-fA-F]{64}$")) {
            problem(pointer + "/sha256", "sha256 must be 64 hexadecimal digits");
        }
        Instant createdAt = instant(item, "createdAt", pointer);
        JsonNode path = item.path("path");
        if (!inZip || path.isMissingNode() || path.isNull()) {
            withoutFile++;
            return;
        }
        if (!path.isString()) {
            problem(pointer + "/path", "path must be the name of the file's entry in the zip");
            return;
        }
        if (exported == null || exportedBlob == null || filename == null || sha256 == null || createdAt == null || !writing()) {
            return;
        }
        UUID blobId = ids.of("blob", exportedBlob);
        if (!h.createQuery("select exists (select 1 from blobs where id = :id)").bind("id", blobId).mapTo(Boolean.class).one()) {
            problem(pointer + "/blobId", "blob " + exportedBlob + " is not in the export's blobs");
            return;
        }
        var file = new PendingFile(index, new Attachments.Imported(ids.of("attachment", exported), blobId, filename,
                contentType, size.asLong(), sha256, createdAt));
        if (files.putIfAbsent(path.asString(), file) != null) {
            problem(pointer + "/path", "two attachments name the file " + path.asString());
        }
    }

    /** Reads the files after the document in a zip, each into the attachment that names it. */
    void readFiles(ZipInputStream entries) throws IOException {
        var seen = new HashSet<String>();
        for (var entry = entries.getNextEntry(); entry != null; entry = entries.getNextEntry()) {
            var file = files.get(entry.getName());
            if (file == null || !seen.add(entry.getName())) {
                throw ValidationException.of("/attachments", "the zip holds " + entry.getName()
                        + ", which no attachment of the export names (or names once)");
            }
            String pointer = "/attachments/" + file.index();
            if (attachments.restore(h, callerId, file.attachment(), Unclosable.of(entries), pointer)) {
                createdAttachments++;
                createdBytes += file.attachment().size();
            } else {
                existingAttachments++;
            }
        }
        for (var named : files.entrySet()) {
            if (!seen.contains(named.getKey())) {
                problem("/attachments/" + named.getValue().index() + "/path", "the zip has no file " + named.getKey());
            }
        }
        if (!problems.isEmpty()) {
            throw refused();
        }
    }

    /** False, with the problem noted, when the item holds text or a number PostgreSQL cannot keep. */
    private boolean storable(JsonNode item, String pointer) {
        try {
            StorableJson.check(item, pointer);
            return true;
        } catch (ValidationException e) {
            e.errors().forEach(error -> problem(error.pointer(), error.message()));
            return false;
        }
    }

    private boolean writing() {
        return problems.isEmpty();
    }

    private void problem(String pointer, String message) {
        problems.add(new FieldError(pointer, message));
        if (problems.size() >= MAX_PROBLEMS) {
            throw refused();
        }
    }

    private ValidationException refused() {
        return new ValidationException("the export cannot be imported (" + problems.size()
                + (problems.size() >= MAX_PROBLEMS ? " problems at least" : problems.size() == 1 ? " problem" : " problems")
                + "); nothing was imported", problems);
    }

    private String text(JsonNode item, String name, String pointer) {
        JsonNode value = item.path(name);
        if (!value.isString() || value.asString().isBlank()) {
            problem(pointer + "/" + name, name + " is required (a string)");
            return null;
        }
        return value.asString();
    }

    private UUID uuid(JsonNode item, String name, String pointer) {
        String text = text(item, name, pointer);
        if (text == null) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            problem(pointer + "/" + name, name + " must be a UUID");
            return null;
        }
    }

    private Instant instant(JsonNode item, String name, String pointer) {
        String text = text(item, name, pointer);
        if (text == null) {
            return null;
        }
        try {
            var instant = Instant.parse(text);
            // PostgreSQL keeps timestamps from 4713 BC to 294276 AD; RFC 3339 has four-digit years.
            if (instant.isBefore(Instant.parse("0001-01-01T00:00:00Z")) || instant.isAfter(Instant.parse("9999-12-31T23:59:59Z"))) {
                problem(pointer + "/" + name, name + " must be between the years 1 and 9999");
                return null;
            }
            return instant;
        } catch (DateTimeParseException e) {
            problem(pointer + "/" + name, name + " must be a date-time such as 2027-01-31T12:00:00Z");
            return null;
        }
    }

    private String bucketName(JsonNode item, String pointer) {
        String name = text(item, "name", pointer);
        if (name == null) {
            return null;
        }
        String clean = name.strip();
        if (clean.length() > 200) {
            problem(pointer + "/name", "name must be at most 200 characters");
            return null;
        }
        if (clean.chars().anyMatch(Character::isISOControl)) {
            problem(pointer + "/name", "name must not contain control characters");
            return null;
        }
        return clean;
    }
}
