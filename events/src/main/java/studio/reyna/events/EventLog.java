package studio.reyna.events;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.Ids;
import studio.reyna.core.event.Event;
import studio.reyna.core.event.EventType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The {@code events} table. Writers call {@link #append} inside the transaction that makes the
 * change, so a committed change always has its event and a rolled-back one never does.
 */
public final class EventLog {
    private final Jdbi jdbi;
    private final Ids ids;
    private final Clock clock;
    private final ObjectMapper json;

    public EventLog(Jdbi jdbi, Ids ids, Clock clock, ObjectMapper json) {
        this.jdbi = jdbi;
        this.ids = ids;
        this.clock = clock;
        this.json = json;
    }

    /** What changed: the fields of an event that the writer knows. */
    public record Change(EventType type, String subjectKey, UUID ownerId, UUID actorId, UUID bucketId,
                         UUID blobId, String schemaId, Integer schemaVersion, Long version, JsonNode data) {
    }

    /** Stores the event of {@code change} in the caller's transaction and returns it with its cursor. */
    public Event append(Handle transaction, Change change) {
        var event = new Event(ids.next(), 0, change.type().typeName(),
                change.type().subject(change.subjectKey(), change.ownerId()), change.ownerId(), change.actorId(),
                change.bucketId(), change.blobId(), change.schemaId(), change.schemaVersion(), change.version(),
                clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS), change.data());
        long cursor = transaction.createUpdate("""
                        insert into events (id, type, subject, owner_id, actor_id, bucket_id, blob_id, schema_id,
                                            schema_version, version, data, created_at)
                        values (:id, :type, :subject, :ownerId, :actorId, :bucketId, :blobId, :schemaId,
                                :schemaVersion, :version, cast(:data as jsonb), :time)""")
                .bind("id", event.id())
                .bind("type", event.type())
                .bind("subject", event.subject())
                .bind("ownerId", event.ownerId())
                .bind("actorId", event.actorId())
                .bind("bucketId", event.bucketId())
                .bind("blobId", event.blobId())
                .bind("schemaId", event.schemaId())
                .bind("schemaVersion", event.schemaVersion())
                .bind("version", event.version())
                .bind("data", event.data() == null ? null : json.writeValueAsString(event.data()))
                .bind("time", Timestamp.from(event.time()))
                .executeAndReturnGeneratedKeys("cursor")
                .mapTo(Long.class)
                .one();
        return event.withCursor(cursor);
    }

    /** Events of one owner after {@code cursor}, oldest first. */
    public List<Event> readOwned(UUID ownerId, long afterCursor, int limit) {
        return jdbi.withHandle(h -> h.createQuery("""
                        select cursor, id, type, subject, owner_id, actor_id, bucket_id, blob_id, schema_id,
                               schema_version, version, data::text as data, created_at
                        from events where owner_id = :owner and cursor > :after
                        order by cursor limit :limit""")
                .bind("owner", ownerId)
                .bind("after", afterCursor)
                .bind("limit", limit)
                .map((rs, ctx) -> new Event(
                        rs.getObject("id", UUID.class),
                        rs.getLong("cursor"),
                        rs.getString("type"),
                        rs.getString("subject"),
                        rs.getObject("owner_id", UUID.class),
                        rs.getObject("actor_id", UUID.class),
                        rs.getObject("bucket_id", UUID.class),
                        rs.getObject("blob_id", UUID.class),
                        rs.getString("schema_id"),
                        (Integer) rs.getObject("schema_version"),
                        (Long) rs.getObject("version"),
                        rs.getTimestamp("created_at").toInstant(),
                        rs.getString("data") == null ? null : json.readTree(rs.getString("data"))))
                .list());
    }

    /** The newest cursor in the log (0 when empty). */
    public long latestCursor() {
        return jdbi.withHandle(h -> h.createQuery("select coalesce(max(cursor), 0) from events")
                .mapTo(Long.class).one());
    }
}
