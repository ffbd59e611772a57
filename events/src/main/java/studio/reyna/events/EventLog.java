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
 * change, so a committed change always has its event and a rolled-back one never does. The
 * relay later gives each committed event its position, the cursor clients see.
 */
public final class EventLog {
    /** The channel on which a commit with new events wakes the relay. */
    public static final String CHANNEL = "reyna_events";
    private static final String COLUMNS = """
            position, id, type, subject, owner_id, actor_id, bucket_id, blob_id, schema_id,
            schema_version, version, data::text as data, created_at, audience""";

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

    /**
     * What changed: the fields of an event that the writer knows. {@code audience}: who besides
     * the owner may see it (see {@link Event#audience()}).
     */
    public record Change(EventType type, String subjectKey, UUID ownerId, UUID actorId, UUID bucketId,
                         UUID blobId, String schemaId, Integer schemaVersion, Long version, JsonNode data,
                         List<UUID> audience) {
    }

    /**
     * Stores the event of {@code change} in the caller's transaction. The returned event has no
     * cursor yet (0): that is given when the relay sees the commit.
     */
    public Event append(Handle transaction, Change change) {
        return appendAll(transaction, List.of(change)).getFirst();
    }

    /** Appends several events in one round trip (a JDBC batch), in the order given. */
    public List<Event> appendAll(Handle transaction, List<Change> changes) {
        if (changes.isEmpty()) {
            return List.of();
        }
        var batch = transaction.prepareBatch("""
                insert into events (id, type, subject, owner_id, actor_id, bucket_id, blob_id, schema_id,
                                    schema_version, version, data, created_at, audience)
                values (:id, :type, :subject, :ownerId, :actorId, :bucketId, :blobId, :schemaId,
                        :schemaVersion, :version, cast(:data as jsonb), :time, :audience)""");
        var appended = new java.util.ArrayList<Event>(changes.size());
        for (var change : changes) {
            var event = new Event(ids.next(), 0, change.type().typeName(),
                    change.type().subject(change.subjectKey(), change.ownerId()), change.ownerId(), change.actorId(),
                    change.bucketId(), change.blobId(), change.schemaId(), change.schemaVersion(), change.version(),
                    clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS), change.data(), change.audience());
            batch.bind("id", event.id())
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
                    .bind("audience", event.audience().toArray(UUID[]::new))
                    .add();
            appended.add(event);
        }
        batch.execute();
        // Delivered at commit, once per transaction however many events it wrote.
        transaction.execute("select pg_notify('" + CHANNEL + "', '')");
        return appended;
    }

    /** Positioned events that {@code userId} may see (see {@link Event#isFor}) after {@code afterCursor}, in order. */
    public List<Event> readVisible(UUID userId, long afterCursor, int limit) {
        // Two ordered, limited halves (own events by the owner index, the rest by the audience
        // index) rather than one OR that no index can walk in order.
        return jdbi.withHandle(h -> h.createQuery("select * from ("
                        + "(select " + COLUMNS + " from events where owner_id = :user and position > :after"
                        + " order by position limit :limit)"
                        + " union all "
                        + "(select " + COLUMNS + " from events where cardinality(audience) > 0 and audience @> array[cast(:user as uuid)]"
                        + " and owner_id <> :user and position > :after order by position limit :limit)"
                        + ") visible order by position limit :limit")
                .bind("user", userId)
                .bind("after", afterCursor)
                .bind("limit", limit)
                .map(this::event)
                .list());
    }

    /**
     * Events read by subject; how far the log was looked through for them, and the newest position
     * there was then: a reader whose slice reached it has caught up.
     */
    public record Slice(List<Event> events, long scannedThrough, long newest) {
        public boolean reachedNewest() {
            return scannedThrough >= newest;
        }
    }

    /**
     * How many positions one read by subject looks through at most, per event asked for. Positions
     * are gap-free, so this bounds the rows a read touches however the planner walks them (with
     * statistics that lag a fast-growing log it may fetch every row in the range and sort them):
     * a reader far behind, or one whose subjects are rare, moves through the log in steps.
     */
    static final int SCAN_PER_EVENT = 10;

    /**
     * Positioned events after {@code afterCursor} whose subject matches one of {@code patterns}
     * (NATS wildcards), in order, up to {@code limit}; the database skips the others. When fewer
     * than {@code limit} match, {@code scannedThrough} is the last position looked at (at most
     * {@link #SCAN_PER_EVENT} × {@code limit} on), so a reader can move past events that were not
     * for it; else the position of the last one returned.
     */
    public Slice readMatching(long afterCursor, List<String> patterns, int limit) {
        String regex = patterns.stream().map(EventLog::subjectRegex).collect(java.util.stream.Collectors.joining("|", "^(", ")$"));
        return jdbi.withHandle(h -> {
            // Positions are given in commit order by one relay transaction at a time: every position
            // up to the newest one seen here is committed, so none can appear behind it later.
            long newest = h.createQuery("select coalesce(max(position), 0) from events").mapTo(Long.class).one();
            long until = Math.min(newest, afterCursor + (long) SCAN_PER_EVENT * limit);
            var events = h.createQuery("select " + COLUMNS + " from events where position > :after and position <= :until"
                            + " and subject ~ :regex order by position limit :limit")
                    .bind("after", afterCursor).bind("until", until).bind("regex", regex).bind("limit", limit)
                    .map(this::event)
                    .list();
            return new Slice(events, events.size() == limit ? events.getLast().cursor() : Math.max(afterCursor, until), newest);
        });
    }

    /** A NATS subject pattern as a PostgreSQL regular expression (without anchors). */
    static String subjectRegex(String pattern) {
        return java.util.Arrays.stream(pattern.split("\\.", -1))
                .map(token -> switch (token) {
                    case "*" -> "[^.]+";
                    case ">" -> ".+";
                    default -> token.replaceAll("([^A-Za-z0-9_-])", "\\\\$1");
                })
                .collect(java.util.stream.Collectors.joining("\\."));
    }

    /** Positioned events of everyone after {@code afterCursor}, in order: what the relay publishes. */
    public List<Event> readAll(long afterCursor, int limit) {
        // Positions are gap-free: the upper bound names the same events as the limit, and keeps the
        // read to that many rows whatever plan stale statistics lead to.
        return jdbi.withHandle(h -> h.createQuery("select " + COLUMNS
                        + " from events where position > :after and position <= :after + :limit order by position limit :limit")
                .bind("after", afterCursor)
                .bind("limit", limit)
                .map(this::event)
                .list());
    }

    private Event event(java.sql.ResultSet rs, org.jdbi.v3.core.statement.StatementContext ctx) throws java.sql.SQLException {
        return new Event(rs.getObject("id", UUID.class), rs.getLong("position"), rs.getString("type"),
                rs.getString("subject"), rs.getObject("owner_id", UUID.class), rs.getObject("actor_id", UUID.class),
                rs.getObject("bucket_id", UUID.class), rs.getObject("blob_id", UUID.class), rs.getString("schema_id"),
                (Integer) rs.getObject("schema_version"), (Long) rs.getObject("version"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("data") == null ? null : json.readTree(rs.getString("data")),
                java.util.Arrays.asList((UUID[]) rs.getArray("audience").getArray()));
    }

    /**
     * Gives every committed event without a position the next positions, in the order they were
     * written; returns how many. Only the relay leader calls this, so positions never collide.
     * Numbering goes on after the published position even when retention has emptied the log, or
     * new events would get positions the relay had already passed.
     */
    public int assignPositions(int batch) {
        return jdbi.inTransaction(h -> h.createUpdate("""
                        with base as (select greatest(coalesce(max(position), 0),
                                                      (select published_position from relay_state)) as last from events),
                             ready as (select write_seq, row_number() over (order by write_seq) as n
                                       from events where position is null order by write_seq limit :batch)
                        update events e set position = base.last + ready.n
                        from ready, base where e.write_seq = ready.write_seq""")
                .bind("batch", batch)
                .execute());
    }

    /**
     * Deletes published events older than {@code retention}, at most {@code batch} of them; returns
     * how many. Clients resuming from before the oldest kept event are told to resync.
     */
    public int forgetOlderThan(java.time.Duration retention, int batch) {
        return jdbi.withHandle(h -> h.createUpdate("""
                        delete from events where write_seq in (
                            select write_seq from events
                            where created_at < now() - make_interval(secs => :seconds)
                              and position <= (select published_position from relay_state)
                            order by write_seq limit :batch)""")
                .bind("seconds", (double) retention.toSeconds())
                .bind("batch", batch)
                .execute());
    }

    /** The oldest cursor still in the log (1 when nothing was ever deleted, 0 when empty). */
    public long oldestCursor() {
        return jdbi.withHandle(h -> h.createQuery("select coalesce(min(position), 0) from events")
                .mapTo(Long.class).one());
    }

    /** The newest cursor in the log (0 when empty). */
    public long latestCursor() {
        return jdbi.withHandle(h -> h.createQuery("select coalesce(max(position), 0) from events")
                .mapTo(Long.class).one());
    }
}
