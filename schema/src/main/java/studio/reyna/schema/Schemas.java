package studio.reyna.schema;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.Ids;
import studio.reyna.core.event.EventType;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.ForbiddenException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.events.EventLog;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The Schema Service. Every signed-in user can read every schema (types are the shared vocabulary
 * of an installation, and a sharee must be able to read the type of what was shared); only the
 * owner publishes new versions. Versions are immutable, so compiled versions are cached forever.
 */
public final class Schemas {
    private static final Pattern ID = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,63}$");
    /** A type is a description, not content: a schema document larger than this is refused. */
    static final int MAX_DOCUMENT_BYTES = 1024 * 1024;

    private final Jdbi jdbi;
    private final EventLog events;
    private final Ids ids;
    private final ObjectMapper json;
    private final JsonSchemaDialect dialect = new JsonSchemaDialect();
    /** Compiled versions, weighed by the size of their documents (a compiled schema is some multiple of it). */
    private final Cache<String, ValidatedSchema> compiled = Caffeine.newBuilder()
            .maximumWeight(64L * 1024 * 1024)
            .<String, ValidatedSchema>weigher((key, schema) -> schema.documentBytes())
            .build();

    public Schemas(Jdbi jdbi, EventLog events, Ids ids, ObjectMapper json) {
        this.jdbi = jdbi;
        this.events = events;
        this.ids = ids;
        this.json = json;
    }

    public SchemaVersion create(UUID ownerId, NewSchema request) {
        var problems = new ArrayList<FieldError>();
        String id = request.id() == null ? ids.next().toString() : request.id();
        checkHeader(id, request.name(), request.description(), "", problems);
        problems.addAll(documentProblems(request.schema()));
        if (!problems.isEmpty()) {
            throw new ValidationException("the schema cannot be created", problems);
        }
        return jdbi.inTransaction(h -> {
            int inserted = h.createUpdate("""
                            insert into schemas (id, owner_id, name, description) values (:id, :owner, :name, :description)
                            on conflict (id) do nothing""")
                    .bind("id", id).bind("owner", ownerId).bind("name", request.name().strip())
                    .bind("description", request.description())
                    .execute();
            if (inserted == 0) {
                throw new ConflictException("a schema with id '" + id + "' already exists");
            }
            return insertVersion(h, ownerId, id, 1, request.schema(), null);
        });
    }

    /**
     * What a new version must not break: given the version it follows, the new one compiled and the
     * migration between them, the problems it would cause for documents already stored (empty: none).
     */
    public interface ExistingDocuments {
        List<FieldError> problemsWith(Proposal proposal);
    }

    /**
     * Version {@code next} of a schema, proposed by {@code publisherId} to follow version {@code from}
     * with {@code migration} (or none).
     */
    public record Proposal(UUID publisherId, String schemaId, int from, ValidatedSchema next, Migration migration) {
    }

    /**
     * Publishes version n+1 of a schema the caller owns, with a migration from version n or
     * without one. A migration must carry every document {@code existing} knows of into a valid
     * one, else nothing is published (422, with examples).
     */
    public SchemaVersion publish(UUID callerId, String schemaId, JsonNode document, JsonNode migration,
                                 ExistingDocuments existing) {
        var problems = new ArrayList<>(documentProblems(document));
        boolean migrates = migration != null && !migration.isNull();
        var parsed = migrates ? Migration.parse(migration, problems) : null;
        if (!problems.isEmpty()) {
            throw new ValidationException("the version cannot be published", problems);
        }
        var info = info(schemaId);
        requireOwner(info, callerId);
        var proposal = new Proposal(callerId, schemaId, info.latestVersion(),
                new ValidatedSchema(new SchemaVersion(schemaId, info.latestVersion() + 1, document, migration, null),
                        dialect.compile(document), 0, parsed), parsed);
        // Checked before the transaction: it reads every stored document of the schema, which may take
        // a while, and must not hold the schema's row lock (and so every other publish) meanwhile.
        var refused = existing.problemsWith(proposal);
        if (!refused.isEmpty()) {
            throw new ValidationException("the migration would leave stored blobs invalid under version "
                    + (info.latestVersion() + 1) + "; these are examples", refused);
        }
        return jdbi.inTransaction(h -> {
            // The row lock serialises concurrent publishes of one schema: versions stay gap-free.
            var locked = h.createQuery("select * from schemas where id = :id for update")
                    .bind("id", schemaId).map(Schemas::info).findOne()
                    .orElseThrow(() -> notFound(schemaId));
            int next = locked.latestVersion() + 1;
            if (next != proposal.next().version().version()) {
                throw new ConflictException("version " + locked.latestVersion() + " of schema '" + schemaId
                        + "' was published meanwhile; publish again to follow it");
            }
            h.createUpdate("update schemas set latest_version = :v, updated_at = now() where id = :id")
                    .bind("v", next).bind("id", schemaId).execute();
            return insertVersion(h, callerId, schemaId, next, document, migrates ? migration : null);
        });
    }

    private static void requireOwner(SchemaInfo info, UUID callerId) {
        if (!info.ownerId().equals(callerId)) {
            throw new ForbiddenException("only the owner of schema '" + info.id() + "' can publish versions of it");
        }
    }

    /**
     * {@code data}, stored at version {@code from}, as it reads at version {@code to} (not older)
     * after each version's migration in turn; empty when a version on the way was published
     * without a migration (such documents stay at their own version).
     */
    public Optional<JsonNode> upgrade(String schemaId, int from, int to, JsonNode data) throws Migration.Failure {
        if (to < from) {
            throw new IllegalArgumentException("a document is not migrated backwards: " + from + " → " + to);
        }
        JsonNode upgraded = data;
        for (int version = from + 1; version <= to; version++) {
            var step = compiled(schemaId, version).migration();
            if (step == null) {
                return Optional.empty();
            }
            upgraded = step.apply(upgraded);
        }
        return Optional.of(upgraded);
    }

    /**
     * What an import did with one schema: how many of its versions it published here, how many
     * were here already, and every version compiled (index 0 is version 1) for checking its blobs.
     */
    public record Restored(int created, int existing, List<ValidatedSchema> versions) {
    }

    /**
     * Brings a schema of an export into this studio, in the import's transaction: versions that are
     * here already must be the same documents (a version never changes; one that differs is refused
     * at its pointer, since the blobs of the export were written against the other document),
     * versions that are not yet here are published — by {@code importerId}, who must own the schema
     * if it exists. Problems are reported with pointers below {@code pointer}. Versions published
     * here are compiled for the caller only, not cached: the transaction may still roll back.
     *
     * @param documents  the documents of versions 1, 2, … in order
     * @param migrations the migration of each of those versions (null where it has none; always for version 1)
     */
    public Restored restore(Handle h, UUID importerId, String id, String name, String description,
                            List<JsonNode> documents, List<JsonNode> migrations, String pointer) {
        var problems = new ArrayList<FieldError>();
        checkHeader(id, name, description, pointer, problems);
        var parsedMigrations = new ArrayList<Migration>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            String at = pointer + "/versions/" + i + "/document";
            documentProblems(documents.get(i)).forEach(p ->
                    problems.add(new FieldError(at + p.pointer().substring("/schema".length()), p.message())));
            var migration = migrations.get(i);
            if (migration != null && i == 0) {
                problems.add(new FieldError(pointer + "/versions/0/migration", "version 1 follows no version: it has no migration"));
            }
            var migrationProblems = new ArrayList<FieldError>();
            parsedMigrations.add(migration == null ? null : Migration.parse(migration, migrationProblems));
            String migrationAt = pointer + "/versions/" + i;
            migrationProblems.forEach(p -> problems.add(new FieldError(migrationAt + p.pointer(), p.message())));
        }
        if (!problems.isEmpty()) {
            throw new ValidationException("schema '" + id + "' cannot be imported", problems);
        }
        // A concurrent import may create the same schema: the insert then waits for it, does nothing,
        // and the schema is compared like any other that was here.
        boolean inserted = h.createUpdate("""
                        insert into schemas (id, owner_id, name, description, latest_version)
                        values (:id, :owner, :name, :description, :latest) on conflict (id) do nothing""")
                .bind("id", id).bind("owner", importerId).bind("name", name.strip()).bind("description", description)
                .bind("latest", documents.size()).execute() == 1;
        int here = 0;
        if (!inserted) {
            var info = h.createQuery("select * from schemas where id = :id for update")
                    .bind("id", id).map(Schemas::info).one();
            here = info.latestVersion();
            for (int i = 0; i < Math.min(here, documents.size()); i++) {
                var stored = h.createQuery("""
                                select document::text as document, migration::text as migration from schema_versions
                                where schema_id = :id and version = :v""")
                        .bind("id", id).bind("v", i + 1)
                        .map((rs, ctx) -> new String[] {rs.getString("document"), rs.getString("migration")}).one();
                if (!sameJson(stored[0], documents.get(i)) || !sameJson(stored[1], migrations.get(i))) {
                    problems.add(new FieldError(pointer + "/versions/" + i + "/document", "schema '" + id + "' version "
                            + (i + 1) + " in this studio is another document (or migration); a version never changes, so the export's "
                            + "blobs of this schema cannot be imported here"));
                }
            }
            if (documents.size() > here && !info.ownerId().equals(importerId)) {
                problems.add(new FieldError(pointer + "/versions/" + here, "schema '" + id + "' here has versions 1 to "
                        + here + " and belongs to another user: only they can publish version " + (here + 1)));
            }
            if (!problems.isEmpty()) {
                throw new ValidationException("schema '" + id + "' cannot be imported", problems);
            }
            if (documents.size() > here) {
                h.createUpdate("update schemas set latest_version = :v, updated_at = now() where id = :id")
                        .bind("v", documents.size()).bind("id", id).execute();
            }
        }
        var versions = new ArrayList<ValidatedSchema>(documents.size());
        for (int i = 0; i < documents.size(); i++) {
            if (i < here) {
                versions.add(compiled(id, i + 1));
            } else {
                var stored = insertVersion(h, importerId, id, i + 1, documents.get(i), migrations.get(i));
                versions.add(new ValidatedSchema(stored, dialect.compile(stored.document()),
                        json.writeValueAsBytes(stored.document()).length, parsedMigrations.get(i)));
            }
        }
        int created = documents.size() - Math.min(here, documents.size());
        return new Restored(created, documents.size() - created, versions);
    }

    /** Whether stored JSON text (null: none) and a document (null: none) are the same JSON. */
    private boolean sameJson(String stored, JsonNode document) {
        if (stored == null || document == null) {
            return stored == null && document == null;
        }
        return json.writeValueAsString(json.readTree(stored)).equals(json.writeValueAsString(document));
    }

    public SchemaInfo info(String schemaId) {
        return findInfo(schemaId).orElseThrow(() -> notFound(schemaId));
    }

    public Optional<SchemaInfo> findInfo(String schemaId) {
        return jdbi.withHandle(h -> h.createQuery("select * from schemas where id = :id")
                .bind("id", schemaId).map(Schemas::info).findOne());
    }

    public SchemaVersion latest(String schemaId) {
        return version(schemaId, info(schemaId).latestVersion());
    }

    public SchemaVersion version(String schemaId, int version) {
        return compiled(schemaId, version).version();
    }

    public Page<SchemaInfo> list(PageRequest page) {
        var rows = jdbi.withHandle(h -> h.createQuery("""
                        select * from schemas where id > :after order by id limit :limit""")
                .bind("after", page.after() == null ? "" : page.after()).bind("limit", page.limit() + 1)
                .map(Schemas::info).list());
        return page.page(rows, SchemaInfo::id);
    }

    /**
     * The compiled version, for validating data. An unknown schema or version is 404: a write
     * against a type that does not exist fails closed.
     */
    public ValidatedSchema compiled(String schemaId, int version) {
        String key = schemaId + "/" + version;
        var cached = compiled.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        var stored = jdbi.withHandle(h -> h.createQuery("""
                        select schema_id, version, document::text as document, migration::text as migration, created_at
                        from schema_versions where schema_id = :id and version = :version""")
                .bind("id", schemaId).bind("version", version)
                .map((rs, ctx) -> versionOf(rs)).findOne())
                .orElseThrow(() -> new NotFoundException("schema '" + schemaId + "' has no version " + version));
        Migration migration = null;
        if (stored.migration() != null) {
            // Stored migrations were checked when published; one that no longer parses is a bug, not input.
            var problems = new ArrayList<FieldError>();
            migration = Migration.parse(stored.migration(), problems);
            if (!problems.isEmpty()) {
                throw new IllegalStateException("stored migration of " + key + " does not parse: " + problems);
            }
        }
        var fresh = new ValidatedSchema(stored, dialect.compile(stored.document()),
                json.writeValueAsBytes(stored.document()).length, migration);
        compiled.put(key, fresh);
        return fresh;
    }

    private List<FieldError> documentProblems(JsonNode document) {
        if (document == null || document.isMissingNode() || document.isNull()) {
            return List.of(new FieldError("/schema", "schema is required"));
        }
        if (json.writeValueAsBytes(document).length > MAX_DOCUMENT_BYTES) {
            return List.of(new FieldError("/schema", "a schema document may be at most " + MAX_DOCUMENT_BYTES + " bytes"));
        }
        return dialect.problemsOf(document).stream()
                .map(p -> new FieldError("/schema" + p.pointer(), p.message()))
                .toList();
    }

    private SchemaVersion insertVersion(Handle h, UUID ownerId, String schemaId, int version, JsonNode document,
                                        JsonNode migration) {
        var stored = h.createQuery("""
                        insert into schema_versions (schema_id, version, document, migration)
                        values (:id, :version, cast(:document as json), cast(:migration as json))
                        returning schema_id, version, document::text as document, migration::text as migration, created_at""")
                .bind("id", schemaId).bind("version", version)
                .bind("document", json.writeValueAsString(document))
                .bind("migration", migration == null ? null : json.writeValueAsString(migration))
                .map((rs, ctx) -> versionOf(rs)).one();
        events.append(h, new EventLog.Change(EventType.SCHEMA_PUBLISHED, schemaId, ownerId, ownerId, null, null,
                schemaId, version, null, null, java.util.List.of()));
        return stored;
    }

    /** What a schema's id, name and description must be, wherever they come from; pointers below {@code at}. */
    private static void checkHeader(String id, String name, String description, String at, List<FieldError> problems) {
        if (id == null || !ID.matcher(id).matches()) {
            problems.add(new FieldError(at + "/id", "id must be 1–64 lower-case letters, digits, '-' or '_', starting with a letter or digit"));
        }
        if (name == null || name.isBlank()) {
            problems.add(new FieldError(at + "/name", "name is required"));
        } else if (name.strip().length() > 200) {
            problems.add(new FieldError(at + "/name", "name must be at most 200 characters"));
        }
        if (description != null && description.length() > 2000) {
            problems.add(new FieldError(at + "/description", "description must be at most 2000 characters"));
        }
    }

    private SchemaVersion versionOf(ResultSet rs) throws SQLException {
        String migration = rs.getString("migration");
        return new SchemaVersion(rs.getString("schema_id"), rs.getInt("version"), json.readTree(rs.getString("document")),
                migration == null ? null : json.readTree(migration), rs.getTimestamp("created_at").toInstant());
    }

    private static SchemaInfo info(ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws SQLException {
        return new SchemaInfo(rs.getString("id"), rs.getObject("owner_id", UUID.class), rs.getString("name"),
                rs.getString("description"), rs.getInt("latest_version"), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant());
    }

    private static NotFoundException notFound(String schemaId) {
        return new NotFoundException("there is no schema '" + schemaId + "'");
    }
}
