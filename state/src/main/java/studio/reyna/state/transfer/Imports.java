package studio.reyna.state.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.UUID;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.problem.BadRequestException;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.events.EventLog;
import studio.reyna.schema.Schemas;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;
import studio.reyna.state.attachment.Attachments;
import studio.reyna.state.usage.Usage;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.ObjectMapper;

/**
 * Restores an export ({@code docs/export.md}) into a bucket: its root buckets become children of
 * that bucket, everything else keeps its shape. Read as a stream in one pass, in one transaction:
 * every item is checked (schemas against those here, each blob against its schema version, the
 * files against their sizes and hashes, the quotas at the end) and either all of it is committed
 * or nothing. An import that answered with an error has left nothing behind, so trying again
 * never duplicates anything; and an import repeated after it succeeded creates nothing twice,
 * since each item's id here is derived from the target and its exported id ({@link ImportedIds}).
 */
public final class Imports {
    /** @param maxBlobBytes the largest blob JSON accepted, as for a blob written through the API */
    public record Settings(long maxBlobBytes) {
    }

    private final Jdbi jdbi;
    private final AccessPolicy access;
    private final Schemas schemas;
    private final Attachments attachments;
    private final EventLog events;
    private final Usage usage;
    private final ObjectMapper json;
    private final Settings settings;
    private final TransferSlots slots;

    /** @param json parses the export; its read constraints bound what one import may hold */
    public Imports(Jdbi jdbi, AccessPolicy access, Schemas schemas, Attachments attachments, EventLog events, Usage usage,
                   ObjectMapper json, Settings settings, TransferSlots slots) {
        this.jdbi = jdbi;
        this.access = access;
        this.schemas = schemas;
        this.attachments = attachments;
        this.events = events;
        this.usage = usage;
        this.json = json;
        this.settings = settings;
        this.slots = slots;
    }

    /**
     * Imports {@code body} — the JSON document, or with {@code zip} a zip of it and the attachments'
     * files — into {@code targetBucketId}, a bucket the caller may write to (404 when it may not see
     * it, 403 when read-only). Malformed input is a 400, content that breaks a rule a 422 with a
     * pointer into the document per problem, a quota passed a 403; each leaves nothing behind.
     */
    public ImportResult restore(UUID callerId, UUID targetBucketId, InputStream body, boolean zip) {
        return slots.run(() -> restoreInTransaction(callerId, targetBucketId, body, zip));
    }

    private ImportResult restoreInTransaction(UUID callerId, UUID targetBucketId, InputStream body, boolean zip) {
        try {
            return jdbi.inTransaction(h -> {
                var who = Principal.user(callerId);
                var seen = access.requireWrite(h, who, targetBucketId, AccessPolicy.Lock.NONE);
                // One import into a bucket at a time: two at once would race to create the same items.
                if (!h.createQuery("select pg_try_advisory_xact_lock(hashtextextended(cast(:target as text), 23))")
                        .bind("target", targetBucketId).mapTo(Boolean.class).one()) {
                    throw new ConflictException("an import into bucket " + targetBucketId
                            + " is running; send this one again once it has finished");
                }
                AccessPolicy.lockTree(h, seen.ownerId(), false);
                var target = access.requireWrite(h, who, targetBucketId, AccessPolicy.Lock.KEEP);
                var run = new ImportRun(h, callerId, target, access.audience(h, targetBucketId), schemas, attachments,
                        events, json, settings.maxBlobBytes());
                if (zip) {
                    var entries = new ZipInputStream(body);
                    var first = entries.getNextEntry();
                    if (first == null || !first.getName().equals(ExportFormat.DOCUMENT_ENTRY)) {
                        throw new BadRequestException("the zip must begin with " + ExportFormat.DOCUMENT_ENTRY
                                + " (as exports with attachments do); nothing was imported");
                    }
                    run.readDocument(Unclosable.of(entries), true);
                    run.readFiles(entries);
                } else {
                    run.readDocument(body, false);
                }
                var result = run.result();
                usage.requireRoom(h, target.ownerId(), result.created().blobs(), result.created().buckets(), run.createdBytes());
                return result;
            });
        } catch (StreamConstraintsException e) {
            throw new BadRequestException("the export has a value that is too long or nested too deeply: "
                    + e.getOriginalMessage() + "; nothing was imported");
        } catch (JacksonException e) {
            throw new BadRequestException("the export is not valid JSON (" + e.getOriginalMessage()
                    + "), or it ended early; nothing was imported");
        } catch (IOException e) {
            throw unreadable(e);
        } catch (UncheckedIOException e) {
            throw unreadable(e.getCause());
        }
    }

    static BadRequestException unreadable(IOException e) {
        if (e instanceof ZipException) {
            return new BadRequestException("the body is not a readable zip (" + e.getMessage() + "); nothing was imported");
        }
        return new BadRequestException("the export could not be read to its end (" + e.getMessage()
                + "); nothing was imported");
    }
}
