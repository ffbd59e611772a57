package studio.reyna.events.relay;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.events.EventLog;
import studio.reyna.events.bus.BusUnavailableException;
import studio.reyna.events.bus.UnpublishableEventException;
import studio.reyna.events.bus.EventBus;

/**
 * Moves committed events from the {@code events} table to the bus. Every node runs one; only the
 * node holding a PostgreSQL advisory lock (on a connection it keeps) is the leader, so events are
 * numbered and published by one relay at a time. When the leader's connection dies, the lock goes
 * with it and another node takes over within {@link #FOLLOWER_RETRY}.
 *
 * <p>The leader (1) gives committed events their positions, in one transaction per batch, and
 * (2) publishes positioned events after the last published position, in order, recording how far
 * it got. If the bus is down, positions are still given (clients can resume from the table) and
 * publishing resumes from the recorded position when the bus is back; events published again
 * after a crash carry the same id and are dropped by the bus.
 */
public final class Relay implements AutoCloseable {
    static final Duration FOLLOWER_RETRY = Duration.ofSeconds(1);
    private static final long LEADER_LOCK = 0x5245594E41_0001L;
    private static final int BATCH = 500;
    private static final Logger log = LoggerFactory.getLogger(Relay.class);

    private final DataSource dataSource;
    private final Jdbi jdbi;
    private final EventLog events;
    private final EventBus bus;
    private final Duration idleWait;
    /** Published events older than this are deleted from the log by the leader. */
    private final Duration retention;
    private static final Duration RETENTION_SWEEP = Duration.ofMinutes(1);
    private long nextSweep;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean leader = new AtomicBoolean();
    private final Counter published;
    private final Counter unpublishable;
    /** Age of the oldest event not yet published, as of the leader's last look (0 on followers). */
    private final AtomicLong lagMillis = new AtomicLong();
    private Thread thread;

    public Relay(DataSource dataSource, Jdbi jdbi, EventLog events, EventBus bus, Duration idleWait,
                 Duration retention, MeterRegistry metrics) {
        this.retention = retention;
        this.dataSource = dataSource;
        this.jdbi = jdbi;
        this.events = events;
        this.bus = bus;
        this.idleWait = idleWait;
        this.published = Counter.builder("reyna.events.published")
                .description("events this node's relay published to the bus").register(metrics);
        this.unpublishable = Counter.builder("reyna.events.unpublishable")
                .description("events the bus can never take (too large), skipped; the event log keeps them").register(metrics);
        Gauge.builder("reyna.relay.lag", lagMillis, lag -> lag.get() / 1000.0).baseUnit("seconds")
                .description("age of the oldest committed event not yet published to the bus").register(metrics);
        Gauge.builder("reyna.relay.leader", leader, l -> l.get() ? 1 : 0)
                .description("1 on the node whose relay leads").register(metrics);
    }

    public synchronized Relay start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("relay").start(this::run);
        }
        return this;
    }

    /** True while this node is the one relaying. */
    public boolean isLeader() {
        return leader.get();
    }

    /** How far the relay has published (the last published position). */
    public long publishedPosition() {
        return jdbi.withHandle(h -> h.createQuery("select published_position from relay_state where id = 1")
                .mapTo(Long.class).one());
    }

    private void run() {
        Duration backoff = FOLLOWER_RETRY;
        while (stopped.getCount() > 0) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                if (tryLead(connection)) {
                    log.info("this node now relays events");
                    try {
                        lead(connection);
                    } finally {
                        release(connection);
                    }
                }
                backoff = FOLLOWER_RETRY;
            } catch (SQLException | RuntimeException e) {
                if (stopped.getCount() > 0) {
                    log.warn("relay interrupted ({}); retrying in {} ms", e.getMessage(), backoff.toMillis());
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30)
                        : backoff.multipliedBy(2);
            } finally {
                leader.set(false);
                lagMillis.set(0);
            }
            pause(backoff);
        }
    }

    private boolean tryLead(Connection connection) throws SQLException {
        try (var statement = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
            statement.setLong(1, LEADER_LOCK);
            try (var result = statement.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }

    /**
     * The connection goes back to the pool: the session lock and the LISTEN must not go with it,
     * or leadership would stay with an idle pooled connection.
     */
    private static void release(Connection connection) {
        try (var statement = connection.createStatement()) {
            statement.execute("unlisten *");
            statement.execute("select pg_advisory_unlock_all()");
        } catch (SQLException e) {
            // The connection is broken, and the pool discards it; the server released the lock with it.
            log.debug("could not release the relay lock explicitly", e);
        }
    }

    /** Leads until stopped or the connection (and with it the lock) is lost. */
    private void lead(Connection connection) throws SQLException {
        leader.set(true);
        try (var statement = connection.createStatement()) {
            statement.execute("listen " + EventLog.CHANNEL);
        }
        PGConnection notifications = connection.unwrap(PGConnection.class);
        boolean busDown = false;
        while (stopped.getCount() > 0) {
            int positioned = events.assignPositions(BATCH);
            int published = 0;
            try {
                published = publishBacklog();
                if (busDown) {
                    log.info("the event bus is back; publishing resumed");
                    busDown = false;
                }
            } catch (BusUnavailableException e) {
                if (!busDown) {
                    log.warn("the event bus is unavailable ({}); events are kept and published when it returns",
                            e.getMessage());
                    busDown = true;
                }
            }
            lagMillis.set(busDown || published == BATCH ? oldestUnpublishedAgeMillis() : 0);
            if (System.nanoTime() - nextSweep > 0) {
                int forgotten = events.forgetOlderThan(retention, 10_000);
                nextSweep = System.nanoTime() + (forgotten == 10_000 ? 0 : RETENTION_SWEEP.toNanos());
            }
            if (positioned < BATCH && published < BATCH) {
                // Wakes at the next commit with events, or after idleWait at the latest.
                notifications.getNotifications((int) (busDown ? FOLLOWER_RETRY : idleWait).toMillis());
                if (!connection.isValid(2)) {
                    throw new SQLException("the relay's connection was lost");
                }
            }
        }
    }

    private long oldestUnpublishedAgeMillis() {
        return jdbi.withHandle(h -> h.createQuery("""
                        select coalesce(extract(epoch from now() - min(created_at)) * 1000, 0)::bigint
                        from events where position is null or position > (select published_position from relay_state)""")
                .mapTo(Long.class).one());
    }

    /** Publishes what is positioned but not yet published, in order, a batch at a time; returns how many. */
    private int publishBacklog() {
        long from = publishedPosition();
        long last = from;
        int count = 0;
        try {
            var batch = events.readAll(from, BATCH);
            while (count < batch.size()) {
                int taken;
                try {
                    taken = bus.publishAll(batch.subList(count, batch.size()));
                    published.increment(taken);
                } catch (UnpublishableEventException e) {
                    // Retrying would hold up every later event, on every node, for ever.
                    var event = batch.get(count);
                    log.error("skipping event {} at position {}: {}", event.id(), event.cursor(), e.getMessage());
                    unpublishable.increment();
                    taken = 1;
                }
                count += taken;
                last = batch.get(count - 1).cursor();
            }
        } finally {
            if (last > from) {
                long done = last;
                jdbi.useHandle(h -> h.execute("update relay_state set published_position = ? where id = 1", done));
            }
        }
        return count;
    }

    private void pause(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops relaying; the leader lock is released with the connection. */
    @Override
    public void close() {
        stopped.countDown();
        Thread running;
        synchronized (this) {
            running = thread;
        }
        if (running != null) {
            try {
                running.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
