package studio.reyna.events.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import studio.reyna.core.Ids;
import studio.reyna.core.event.Event;
import studio.reyna.core.event.EventType;
import studio.reyna.core.json.Json;
import studio.reyna.db.Database;
import studio.reyna.db.Migrations;
import studio.reyna.db.TestDatabase;
import studio.reyna.events.EventLog;
import studio.reyna.events.bus.BusUnavailableException;
import studio.reyna.events.bus.EventBus;

/**
 * The relay against a real PostgreSQL (a database of its own, since relays number every event of
 * the database) and a bus that records what reaches it and can be switched off.
 */
class RelayTest {
    private final Database database = Database.connect(TestDatabase.createEmpty(), 6);
    private final Jdbi jdbi = database.jdbi();
    private final EventLog log;
    private final RecordingBus bus = new RecordingBus();
    private final List<Relay> relays = new CopyOnWriteArrayList<>();
    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry metrics =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    RelayTest() {
        new Migrations(database.dataSource()).apply();
        log = new EventLog(jdbi, new Ids(Clock.systemUTC()), Clock.systemUTC(), Json.newStoredMapper());
    }

    @AfterEach
    void stop() {
        relays.forEach(Relay::close);
        database.close();
    }

    private Relay relay() {
        var relay = new Relay(database.dataSource(), jdbi, log, bus, Duration.ofMillis(200), Duration.ofDays(7), metrics)
                .start();
        relays.add(relay);
        return relay;
    }

    private UUID write(UUID owner) {
        return jdbi.inTransaction(h -> log.append(h, change(owner))).id();
    }

    private static EventLog.Change change(UUID owner) {
        return new EventLog.Change(EventType.BUCKET_CREATED, UUID.randomUUID().toString(), owner, owner,
                null, null, null, null, null, null, java.util.List.of());
    }

    @Test
    void publishes_in_commit_order_so_a_later_write_that_commits_first_skips_nothing() throws Exception {
        relay();
        UUID owner = UUID.randomUUID();
        var firstWritten = new CountDownLatch(1);
        var secondCommitted = new CountDownLatch(1);
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var slow = pool.submit(() -> jdbi.inTransaction(h -> {
                var event = log.append(h, change(owner));
                firstWritten.countDown();
                secondCommitted.await(10, TimeUnit.SECONDS);
                return event.id();
            }));
            firstWritten.await(10, TimeUnit.SECONDS);
            UUID fast = write(owner);
            await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().contains(fast));
            secondCommitted.countDown();
            UUID late = slow.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().contains(late));
            assertThat(bus.ids()).containsExactly(fast, late);
        }
        assertThat(bus.cursors()).containsExactly(1L, 2L);
        assertThat(log.readVisible(owner, 0, 10)).extracting(Event::cursor).containsExactly(1L, 2L);
    }

    @Test
    void keeps_events_while_the_bus_is_down_and_publishes_each_once_when_it_returns() {
        var relay = relay();
        UUID owner = UUID.randomUUID();
        write(owner);
        await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().size() == 1);
        bus.down.set(true);
        for (int i = 0; i < 20; i++) {
            write(owner);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> log.latestCursor() == 21);
        assertThat(bus.ids()).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.get("reyna.relay.lag").gauge().value() > 0);
        bus.down.set(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().size() == 21);
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.get("reyna.relay.lag").gauge().value() == 0);
        assertThat(metrics.get("reyna.events.published").counters()).extracting(c -> c.count()).containsExactly(21.0);
        assertThat(bus.cursors()).isSorted().doesNotHaveDuplicates();
        assertThat(relay.publishedPosition()).isEqualTo(21);
    }

    @Test
    void another_node_takes_over_when_the_leader_stops_and_nothing_is_lost() {
        var first = relay();
        var second = relay();
        await().atMost(Duration.ofSeconds(10)).until(() -> first.isLeader() || second.isLeader());
        var leader = first.isLeader() ? first : second;
        var follower = leader == first ? second : first;
        assertThat(follower.isLeader()).isFalse();
        UUID owner = UUID.randomUUID();
        write(owner);
        await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().size() == 1);

        leader.close();
        for (int i = 0; i < 5; i++) {
            write(owner);
        }
        await().atMost(Duration.ofSeconds(15)).until(follower::isLeader);
        await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().size() == 6);
        assertThat(bus.cursors()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
    }

    @Test
    void forgets_published_events_past_their_retention_and_keeps_the_rest() {
        var relay = relay();
        UUID owner = UUID.randomUUID();
        write(owner);
        write(owner);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.publishedPosition() == 2);
        jdbi.useHandle(h -> h.execute("update events set created_at = now() - interval '8 days' where position = 1"));
        assertThat(log.forgetOlderThan(Duration.ofDays(7), 100)).isEqualTo(1);
        assertThat(log.oldestCursor()).isEqualTo(2);
        assertThat(log.readVisible(owner, 0, 10)).extracting(Event::cursor).containsExactly(2L);
    }

    @Test
    void numbering_goes_on_after_the_published_position_when_retention_emptied_the_log() {
        var relay = relay();
        UUID owner = UUID.randomUUID();
        write(owner);
        write(owner);
        await().atMost(Duration.ofSeconds(10)).until(() -> relay.publishedPosition() == 2);
        // A quiet installation: every event is older than the retention and forgotten.
        jdbi.useHandle(h -> h.execute("update events set created_at = now() - interval '8 days'"));
        assertThat(log.forgetOlderThan(Duration.ofDays(7), 100)).isEqualTo(2);

        write(owner);
        await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().size() == 3);
        assertThat(bus.cursors()).containsExactly(1L, 2L, 3L);
        assertThat(relay.publishedPosition()).isEqualTo(3);
    }

    @Test
    void skips_an_event_the_bus_can_never_take_and_publishes_the_ones_after_it() {
        relay();
        UUID owner = UUID.randomUUID();
        UUID poison = write(owner);
        bus.refused.add(poison);
        UUID after = write(owner);
        await().atMost(Duration.ofSeconds(10)).until(() -> bus.ids().contains(after));
        assertThat(bus.ids()).doesNotContain(poison);
        assertThat(metrics.get("reyna.events.unpublishable").counter().count()).isEqualTo(1.0);
    }

    /**
     * Records published events; while {@code down}, refuses them as a bus without a connection would;
     * the events in {@code refused} it can never take.
     */
    static final class RecordingBus implements EventBus {
        final AtomicBoolean down = new AtomicBoolean();
        final java.util.Set<UUID> refused = ConcurrentHashMap.newKeySet();
        private final Map<UUID, Event> byId = new ConcurrentHashMap<>();
        private final List<Event> published = new CopyOnWriteArrayList<>();

        @Override
        public void publish(Event event) {
            if (down.get()) {
                throw new BusUnavailableException("switched off by the test", null);
            }
            if (refused.contains(event.id())) {
                throw new studio.reyna.events.bus.UnpublishableEventException("too large for this test's bus", null);
            }
            if (byId.putIfAbsent(event.id(), event) == null) {
                published.add(event);
            }
        }

        List<UUID> ids() {
            return published.stream().map(Event::id).toList();
        }

        List<Long> cursors() {
            return published.stream().map(Event::cursor).toList();
        }

        @Override
        public Subscription subscribe(String pattern, Consumer<Event> handler) {
            throw new UnsupportedOperationException("the relay only publishes");
        }

        @Override
        public void close() {
        }
    }
}
