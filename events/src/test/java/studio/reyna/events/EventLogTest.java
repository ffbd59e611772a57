package studio.reyna.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import studio.reyna.core.Ids;
import studio.reyna.core.event.EventType;
import studio.reyna.core.json.Json;
import studio.reyna.db.TestDatabase;

class EventLogTest {
    private final Jdbi jdbi = TestDatabase.shared().jdbi();
    private final EventLog log = new EventLog(jdbi, new Ids(Clock.systemUTC()), Clock.systemUTC(), Json.newMapper(1_000_000));

    @Test
    void appended_events_get_the_subject_of_their_type_and_a_cursor_once_positioned() {
        UUID owner = UUID.randomUUID();
        UUID blob = UUID.randomUUID();
        UUID reader = UUID.randomUUID();
        var data = Json.newMapper(1000).createObjectNode().put("title", "Hello");
        var first = jdbi.inTransaction(h -> log.append(h, new EventLog.Change(EventType.BLOB_CREATED, "note", owner, owner,
                null, blob, "note", 1, 1L, data, List.of(reader))));
        var second = jdbi.inTransaction(h -> log.append(h, new EventLog.Change(EventType.BLOB_UPDATED, "note", owner, owner,
                null, blob, "note", 1, 2L, null, List.of())));

        assertThat(first.subject()).isEqualTo("blob.created.note." + owner);
        assertThat(first.cursor()).as("no position before the relay gives one").isZero();
        log.assignPositions(1000);
        var stored = log.readVisible(owner, 0, 10);
        assertThat(stored).extracting(e -> e.type()).containsExactly("blob.created", "blob.updated");
        assertThat(stored.get(0).data().get("title").asString()).isEqualTo("Hello");
        assertThat(stored.get(0)).isEqualTo(first.withCursor(stored.get(0).cursor()));
        assertThat(stored.get(1).cursor()).isGreaterThan(stored.get(0).cursor());
        assertThat(log.latestCursor()).isGreaterThanOrEqualTo(stored.get(1).cursor());
        assertThat(second.id()).isEqualTo(stored.get(1).id());
        assertThat(log.readVisible(reader, 0, 10)).as("the audience sees what it is in, nothing else")
                .extracting(e -> e.id()).containsExactly(first.id());
        assertThat(log.readVisible(UUID.randomUUID(), 0, 10)).isEmpty();
    }

    @Test
    void an_event_written_in_a_rolled_back_transaction_does_not_exist() {
        UUID owner = UUID.randomUUID();
        try {
            jdbi.useTransaction(h -> {
                log.append(h, new EventLog.Change(EventType.BUCKET_CREATED, UUID.randomUUID().toString(), owner, owner,
                        null, null, null, null, null, null, List.of()));
                throw new IllegalStateException("the change failed after its event was written");
            });
        } catch (IllegalStateException expected) {
            // the rollback is what is under test
        }
        log.assignPositions(1000);
        assertThat(log.readVisible(owner, 0, 10)).isEmpty();
    }

    @Test
    void reads_only_the_subjects_asked_for_and_says_how_far_it_looked() {
        UUID owner = UUID.randomUUID();
        log.assignPositions(100_000);
        long start = log.latestCursor();
        for (var type : List.of(EventType.BLOB_CREATED, EventType.BLOB_DERIVED, EventType.BLOB_UPDATED, EventType.BLOB_DERIVED,
                EventType.BLOB_CREATED, EventType.BLOB_DELETED)) {
            jdbi.useTransaction(h -> log.append(h, new EventLog.Change(type, "note", owner, owner, null, UUID.randomUUID(),
                    "note", 1, 1L, null, List.of())));
        }
        log.assignPositions(100_000);
        var patterns = List.of("blob.created.*." + owner, "blob.updated.>");

        var all = log.readMatching(start, patterns, 10);
        assertThat(all.events()).extracting(e -> e.type()).containsExactly("blob.created", "blob.updated", "blob.created");
        assertThat(all.scannedThrough()).isGreaterThanOrEqualTo(log.readAll(start, 10).getLast().cursor());

        var firstTwo = log.readMatching(start, patterns, 2);
        assertThat(firstTwo.events()).extracting(e -> e.type()).containsExactly("blob.created", "blob.updated");
        assertThat(firstTwo.scannedThrough()).isEqualTo(firstTwo.events().getLast().cursor());
        assertThat(log.readMatching(firstTwo.scannedThrough(), patterns, 2).events()).extracting(e -> e.type())
                .containsExactly("blob.created");
        assertThat(EventLog.subjectRegex("blob.*.note.>")).isEqualTo("blob\\.[^.]+\\.note\\..+");
    }

    @Test
    void a_read_by_subject_looks_through_a_bounded_stretch_of_the_log_and_says_whether_it_reached_the_end() {
        UUID owner = UUID.randomUUID();
        log.assignPositions(100_000);
        long start = log.latestCursor();
        int others = 2 * EventLog.SCAN_PER_EVENT + 5;
        jdbi.useTransaction(h -> {
            for (int i = 0; i < others; i++) {
                log.append(h, new EventLog.Change(EventType.BLOB_DERIVED, "note", owner, owner, null, UUID.randomUUID(),
                        "note", 1, 1L, null, List.of()));
            }
            log.append(h, new EventLog.Change(EventType.BLOB_CREATED, "note", owner, owner, null, UUID.randomUUID(),
                    "note", 1, 1L, null, List.of()));
        });
        log.assignPositions(100_000);
        var patterns = List.of("blob.created.>");

        var reads = new java.util.ArrayList<EventLog.Slice>();
        long cursor = start;
        for (int read = 0; read < 10 && (reads.isEmpty() || reads.getLast().events().isEmpty()); read++) {
            var slice = log.readMatching(cursor, patterns, 1);
            reads.add(slice);
            cursor = slice.scannedThrough();
        }

        assertThat(reads).extracting(EventLog.Slice::scannedThrough).containsExactly(
                start + EventLog.SCAN_PER_EVENT, start + 2L * EventLog.SCAN_PER_EVENT, start + others + 1);
        assertThat(reads).extracting(EventLog.Slice::reachedNewest).containsExactly(false, false, true);
        assertThat(reads.getLast().events()).extracting(e -> e.type()).containsExactly("blob.created");
        assertThat(log.readMatching(cursor, patterns, 1).reachedNewest()).isTrue();
    }
}
