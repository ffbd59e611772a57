package studio.reyna.state;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.Ids;
import studio.reyna.core.json.Json;
import studio.reyna.db.TestDatabase;
import studio.reyna.events.EventLog;
import studio.reyna.schema.NewSchema;
import studio.reyna.schema.Schemas;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.attachment.Attachments;
import studio.reyna.state.blob.Blobs;
import studio.reyna.state.bucket.Buckets;
import studio.reyna.state.share.Links;
import studio.reyna.state.share.Shares;
import studio.reyna.state.usage.Usage;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The State Service wired as the studio wires it, on the test database. */
public final class StateFixture {
    public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    public static final JsonMapper JSON = Json.newMapper(1_000_000);
    public final Jdbi jdbi = TestDatabase.shared().jdbi();
    public final Ids ids = new Ids(Clock.systemUTC());
    public final EventLog events = new EventLog(jdbi, ids, Clock.systemUTC(), JSON);
    public final Schemas schemas = new Schemas(jdbi, events, ids, JSON);
    public final AccessPolicy access = new AccessPolicy(java.time.Duration.ofMinutes(5), 10_000);
    /** The studio's default quotas. */
    public final Usage usage = new Usage(jdbi, new Usage.Limits(10_000, 1_000, 10_000_000_000L));
    public final Buckets buckets = new Buckets(jdbi, access, events, usage, ids);
    public final Blobs blobs = new Blobs(jdbi, access, schemas, events, usage, ids, JSON, metrics);
    /** Files of at most 4 MiB, two uploads at once, kept in PostgreSQL. */
    public final Attachments attachments = new Attachments(jdbi, access, events, ids,
            new Attachments.Settings(4L << 20, 2), usage, null, null, metrics);
    public final Shares shares = new Shares(jdbi, access, events);
    public final Links links = new Links(jdbi, access, ids, Clock.systemUTC());

    public UUID newUser() {
        UUID id = UUID.randomUUID();
        jdbi.useHandle(h -> h.execute("insert into users (id, email, display_name, password_hash) values (?, ?, 'T', 'x')",
                id, id + "@example.org"));
        return id;
    }

    /** A schema owned by {@code owner}: objects with a required string title. */
    public String noteSchema(UUID owner) {
        String id = "note-" + UUID.randomUUID().toString().substring(0, 8);
        schemas.create(owner, new NewSchema(id, "Note", null, json("""
                {"type":"object","required":["title"],"properties":{"title":{"type":"string"},"body":{"type":"string"}}}""")));
        return id;
    }

    public static JsonNode json(String text) {
        return JSON.readTree(text);
    }
}
