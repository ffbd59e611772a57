package studio.reyna.processor.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.events.EventLog;
import studio.reyna.events.bus.EventBus;
import studio.reyna.processor.Processor;

/**
 * The processors of this node: one {@link ProcessorWorker} each, so a slow, failing or hanging
 * processor never holds up another. Every node may run them, and work is done once, not once per
 * node. With a bus that shares work (NATS JetStream) each processor has a queue there that every
 * node's worker takes from, so the nodes share even one processor's work. Otherwise each processor
 * has a cursor over the event log in PostgreSQL that one node at a time reads (the others stand by
 * and take over when it goes), decided by PostgreSQL advisory locks, all held on one connection per node.
 */
public final class ProcessorRuntime implements AutoCloseable {
    /**
     * How processors are run.
     *
     * @param timeout     one invocation may take this long, then it counts as failed
     * @param maxAttempts invocations of one event before it is recorded as a dead letter
     * @param firstRetry  wait before the second attempt; doubled for each further one
     * @param breakAfter  dead letters in a row that open the processor's circuit
     * @param breakFor    how long an open circuit keeps the processor idle before it tries again
     * @param idleWait    how long an idle worker waits before it looks for new events
     */
    public record Settings(Duration timeout, int maxAttempts, Duration firstRetry, int breakAfter, Duration breakFor,
                           Duration idleWait) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(10), 5, Duration.ofMillis(200), 5, Duration.ofSeconds(30),
                    Duration.ofMillis(100));
        }

        /**
         * When a shared queue hands an event to another node because its node went quiet: three
         * invocation timeouts, at least 5 s. A worker still at work says so more often than that.
         */
        Duration redeliverAfter() {
            var threeTimeouts = timeout.multipliedBy(3);
            return threeTimeouts.compareTo(Duration.ofSeconds(5)) > 0 ? threeTimeouts : Duration.ofSeconds(5);
        }
    }

    private static final Logger log = LoggerFactory.getLogger(ProcessorRuntime.class);
    /** How often the locks are tried again and the connection that holds them checked. */
    private static final Duration LOCK_ROUND = Duration.ofSeconds(1);

    private final List<ProcessorWorker> workers = new ArrayList<>();
    /** The processors read from the event log (no shared queue), each behind its advisory lock. */
    private final List<LogCursor> cursors = new ArrayList<>();
    private final DataSource dataSource;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private Thread lockKeeper;

    /**
     * Creates what each processor reads from, where it does not exist yet, starting at the newest
     * event: a queue on the bus, or a cursor at the end of the log. Every node does this at its
     * start, whatever its roles, so a blob written through an API node before any processor node
     * ran is not missed.
     */
    public ProcessorRuntime(DataSource dataSource, Jdbi jdbi, EventLog events, EventBus bus, ProcessingInputs inputs,
                            List<Processor> processors, Settings settings, MeterRegistry metrics) {
        this.dataSource = dataSource;
        for (var processor : processors) {
            EventSource source = bus.workQueue("reyna-processor-" + processor.name(), processor.subjects(), settings.redeliverAfter())
                    .<EventSource>map(queue -> new SharedQueue(queue, settings.idleWait(), settings.redeliverAfter()))
                    .orElseGet(() -> {
                        var cursor = new LogCursor(jdbi, events, processor.name(), processor.subjects(), settings.idleWait());
                        cursor.register();
                        cursors.add(cursor);
                        return cursor;
                    });
            workers.add(new ProcessorWorker(jdbi, source, inputs, processor, settings, metrics));
        }
    }

    public ProcessorRuntime start() {
        workers.forEach(ProcessorWorker::start);
        if (!cursors.isEmpty()) {
            lockKeeper = Thread.ofPlatform().daemon().name("processor-locks").start(this::keepLocks);
        }
        return this;
    }

    /**
     * Holds, on one connection of the pool, the advisory lock of every processor this node works
     * for, and tries the others' each round: one connection whatever the number of processors.
     * When the connection is lost, so are its locks: every worker stops, and another node may
     * take over while this one reconnects.
     */
    private void keepLocks() {
        while (stopped.getCount() > 0) {
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(true);
                while (stopped.getCount() > 0) {
                    for (var cursor : cursors) {
                        if (!cursor.isLeading()) {
                            cursor.lead(tryLock(connection, cursor.lockName()));
                        }
                    }
                    if (!connection.isValid(2)) {
                        throw new SQLException("the connection holding the processor locks was lost");
                    }
                    stopped.await(LOCK_ROUND.toMillis(), TimeUnit.MILLISECONDS);
                }
                try (var statement = connection.createStatement()) {
                    statement.execute("select pg_advisory_unlock_all()");
                }
            } catch (SQLException | RuntimeException e) {
                if (stopped.getCount() > 0) {
                    log.warn("processors paused: {}; trying again", e.getMessage());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                cursors.forEach(cursor -> cursor.lead(false));
            }
            try {
                stopped.await(LOCK_ROUND.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static boolean tryLock(Connection connection, String name) throws SQLException {
        try (var statement = connection.prepareStatement("select pg_try_advisory_lock(hashtextextended(?, 0))")) {
            statement.setString(1, name);
            try (var result = statement.executeQuery()) {
                return result.next() && result.getBoolean(1);
            }
        }
    }

    /** The health of each processor on this node, for readiness and metrics. */
    public List<ProcessorWorker.Health> health() {
        return workers.stream().map(ProcessorWorker::health).toList();
    }

    @Override
    public void close() {
        // Workers first, so none works on after the locks are given up.
        workers.forEach(ProcessorWorker::close);
        stopped.countDown();
        if (lockKeeper != null) {
            try {
                lockKeeper.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
