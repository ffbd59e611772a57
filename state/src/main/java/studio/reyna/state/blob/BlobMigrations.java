package studio.reyna.state.blob;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.event.EventType;
import studio.reyna.core.problem.FieldError;
import studio.reyna.events.EventLog;
import studio.reyna.schema.Migration;
import studio.reyna.schema.Schemas;
import studio.reyna.state.access.AccessPolicy;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Stored blobs and newer versions of their schema: whether a proposed migration carries every stored
 * blob into a valid document (checked before a version is published), and rewriting blobs stored at
 * older versions at the latest one ({@code reyna schema migrate}).
 */
public final class BlobMigrations implements Schemas.ExistingDocuments {
    /** Enough examples to see a pattern; the count says how many there are in all. */
    static final int EXAMPLES = 5;
    private static final int CHECK_PAGE = 1000;

    private final Jdbi jdbi;
    private final Schemas schemas;
    private final Blobs blobs;
    private final AccessPolicy access;
    private final EventLog events;
    private final ObjectMapper json;

    public BlobMigrations(Jdbi jdbi, Schemas schemas, Blobs blobs, AccessPolicy access, EventLog events, ObjectMapper json) {
        this.jdbi = jdbi;
        this.schemas = schemas;
        this.blobs = blobs;
        this.access = access;
        this.events = events;
        this.json = json;
    }

    /**
     * Every stored blob that would read at the proposed version through its migration (stored at
     * its previous version, or at an older one that migrates up to it), migrated and validated: up
     * to {@link #EXAMPLES} of those that fail, and how many fail in all. A version without a
     * migration checks nothing: older blobs then stay at their own version.
     */
    @Override
    public List<FieldError> problemsWith(Schemas.Proposal proposal) {
        if (proposal.migration() == null) {
            return List.of();
        }
        var examples = new ArrayList<FieldError>();
        long failing = 0;
        long checked = 0;
        UUID after = new UUID(0, 0);
        while (true) {
            var page = storedPage(proposal.schemaId(), proposal.from(), after);
            if (page.isEmpty()) {
                break;
            }
            for (var stored : page) {
                after = stored.id();
                var problem = problemOf(proposal, stored);
                checked++;
                if (problem != null) {
                    failing++;
                    if (examples.size() < EXAMPLES) {
                        examples.add(problem);
                    }
                }
            }
        }
        if (failing > examples.size()) {
            examples.add(new FieldError("/migration", failing + " of " + checked + " stored blobs fail in all"));
        }
        return examples;
    }

    /** What goes wrong for one stored blob, pointing at the operation at fault where one is; null when nothing does. */
    private FieldError problemOf(Schemas.Proposal proposal, StoredData stored) {
        // The publisher learns which of their own blobs fail; of other users' blobs only that one does.
        String which = (stored.ownerId().equals(proposal.publisherId()) ? "blob " + stored.id() : "a blob of another user")
                + " (stored at version " + stored.schemaVersion() + ")";
        try {
            var current = schemas.upgrade(proposal.schemaId(), stored.schemaVersion(), proposal.from(), stored.data());
            if (current.isEmpty()) {
                return null;
            }
            var violations = proposal.next().violations(proposal.migration().apply(current.get()));
            return violations.isEmpty() ? null : new FieldError("/migration", which + " would not be valid: /data"
                    + violations.getFirst().pointer() + ": " + violations.getFirst().message());
        } catch (Migration.Failure e) {
            return new FieldError("/migration" + e.pointer(), which + ": " + e.getMessage());
        }
    }

    private record StoredData(UUID id, UUID ownerId, int schemaVersion, JsonNode data) {
    }

    /** One page of a schema's blobs stored at {@code upTo} or older, after {@code after} in id order. */
    private List<StoredData> storedPage(String schemaId, int upTo, UUID after) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select id, owner_id, schema_version, data::text as data from blobs
                        where schema_id = :schema and schema_version <= :upTo and id > :after
                        order by id limit :limit""")
                .bind("schema", schemaId).bind("upTo", upTo).bind("after", after).bind("limit", CHECK_PAGE)
                .map((rs, ctx) -> new StoredData(rs.getObject("id", UUID.class), rs.getObject("owner_id", UUID.class),
                        rs.getInt("schema_version"), json.readTree(rs.getString("data"))))
                .list());
    }

    /** What an eager migration did: blobs rewritten at the latest version, and blobs left as they were. */
    public record Outcome(int latestVersion, long total, long migrated, long left) {
    }

    /**
     * How many blobs of the schema are stored at a version older than its latest: the work ahead
     * of {@link #migrate}.
     */
    public long olderThanLatest(String schemaId) {
        int latest = schemas.info(schemaId).latestVersion();
        return jdbi.withHandle(h -> h.createQuery("select count(*) from blobs where schema_id = :schema and schema_version < :latest")
                .bind("schema", schemaId).bind("latest", latest).mapTo(Long.class).one());
    }

    /**
     * Rewrites every blob of the schema stored at an older version at the latest one, as a read
     * would show it, {@code batchSize} blobs per transaction: each rewritten blob gets a new version
     * (its ETag) and a {@code blob.updated} event, so open screens and processors follow. Safe beside
     * live traffic: rows are locked as any write locks them, and a blob changed meanwhile is read
     * again. Stopped at any point, a second run goes on from where the first stopped, because what
     * is done no longer matches. Blobs that cannot be migrated (a version on the way without a
     * migration) are left as they are and counted.
     *
     * @param progress told the number of blobs handled so far after each batch
     */
    public Outcome migrate(String schemaId, int batchSize, LongConsumer progress) {
        if (batchSize < 1 || batchSize > 10_000) {
            throw new IllegalArgumentException("batch size must be 1 to 10000, not " + batchSize);
        }
        int latest = schemas.info(schemaId).latestVersion();
        long total = olderThanLatest(schemaId);
        long migrated = 0;
        long left = 0;
        UUID after = new UUID(0, 0);
        while (true) {
            UUID from = after;
            List<UUID> page = jdbi.withHandle(h -> h.createQuery("""
                            select id from blobs where schema_id = :schema and schema_version < :latest and id > :after
                            order by id limit :limit""")
                    .bind("schema", schemaId).bind("latest", latest).bind("after", from).bind("limit", batchSize)
                    .mapTo(UUID.class).list());
            if (page.isEmpty()) {
                return new Outcome(latest, total, migrated, left);
            }
            int rewritten = jdbi.inTransaction(h -> rewrite(h, schemaId, latest, page));
            migrated += rewritten;
            left += page.size() - rewritten;
            after = page.getLast();
            progress.accept(migrated + left);
        }
    }

    /** Rewrites those of {@code ids} still stored at an older version; returns how many it rewrote. */
    private int rewrite(Handle h, String schemaId, int latest, List<UUID> ids) {
        UUID[] idArray = ids.toArray(UUID[]::new);
        // Locks in the order every write takes them: the owners' trees (shared), then the rows, by id.
        h.createQuery("select distinct owner_id from blobs where id = any(:ids) order by owner_id")
                .bind("ids", idArray).mapTo(UUID.class).list()
                .forEach(owner -> AccessPolicy.lockTree(h, owner, false));
        var stored = h.createQuery("select " + Blobs.COLUMNS + """
                         from blobs where id = any(:ids) and schema_id = :schema and schema_version < :latest
                        order by id for update""")
                .bind("ids", idArray).bind("schema", schemaId).bind("latest", latest)
                .map(blobs::blob).list();
        var changes = new ArrayList<EventLog.Change>();
        // Each bucket's audience once, however many of its blobs the batch rewrites.
        var audiences = new java.util.HashMap<UUID, List<UUID>>();
        for (var blob : stored) {
            var upgraded = blobs.upgraded(blob, latest);
            if (upgraded == null) {
                continue;
            }
            String text = json.writeValueAsString(upgraded.data());
            var written = h.createQuery("""
                            update blobs set data = cast(:data as jsonb), schema_version = :latest, version = version + 1,
                                   title = :title, preview = :preview, size_bytes = :size, updated_at = now()
                            where id = :id returning\s""" + Blobs.COLUMNS)
                    .bind("data", text).bind("latest", latest).bind("title", upgraded.title())
                    .bind("preview", upgraded.preview()).bind("size", Blobs.utf8Length(text)).bind("id", blob.id())
                    .map(blobs::blob).one();
            var data = JsonNodeFactory.instance.objectNode().put("title", written.title()).put("preview", written.preview());
            changes.add(new EventLog.Change(EventType.BLOB_UPDATED, written.schemaId(), written.ownerId(), null,
                    written.bucketId(), written.id(), written.schemaId(), written.schemaVersion(), written.version(), data,
                    audiences.computeIfAbsent(written.bucketId(), bucket -> access.audience(h, bucket))));
        }
        events.appendAll(h, changes);
        return changes.size();
    }
}
