package studio.reyna.processor.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.event.Event;
import studio.reyna.events.EventLog;

/**
 * A processor's cursor over the event log, kept in {@code processor_cursors}: the source on one
 * node, or on many without a bus that shares work. Only the node holding the processor's advisory
 * lock reads ({@link #active}); when it dies another takes over from the saved cursor.
 */
final class LogCursor implements EventSource {
    private static final Logger log = LoggerFactory.getLogger(LogCursor.class);
    private final Jdbi jdbi;
    private final EventLog events;
    private final String processor;
    private final List<String> subjects;
    private final Duration idleWait;
    private final AtomicLong position = new AtomicLong();
    private volatile boolean leading;
    /** Reset by the lock keeper's thread when the lock is lost, read by the worker's: the next read reloads the saved cursor. */
    private volatile boolean started;
    private boolean caughtUp;

    LogCursor(Jdbi jdbi, EventLog events, String processor, List<String> subjects, Duration idleWait) {
        this.jdbi = jdbi;
        this.events = events;
        this.processor = processor;
        this.subjects = List.copyOf(subjects);
        this.idleWait = idleWait;
    }

    /** Gives a processor that never ran a cursor at the end of the log: it derives from what is written from now on. */
    void register() {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into processor_cursors (processor, position)
                        values (:processor, (select coalesce(max(position), 0) from events))
                        on conflict (processor) do nothing""")
                .bind("processor", processor).execute());
    }

    /** Told by the runtime whether this node holds the processor's lock; reads start again from the saved cursor. */
    void lead(boolean leading) {
        if (leading && !this.leading) {
            log.info("this node now runs processor {}", processor);
        }
        if (!leading) {
            started = false;
        }
        this.leading = leading;
    }

    String lockName() {
        return "reyna.processor." + processor;
    }

    boolean isLeading() {
        return leading;
    }

    @Override
    public boolean active() {
        return leading;
    }

    @Override
    public Batch next(int max) {
        if (!started) {
            register();
            position.set(jdbi.withHandle(h -> h.createQuery("select position from processor_cursors where processor = :processor")
                    .bind("processor", processor).mapTo(Long.class).one()));
            started = true;
        } else if (caughtUp) {
            // The last read reached the end of the log: let new events gather rather than read them one by one.
            sleep(idleWait);
        }
        // Only the processor's subjects: the events of other processors' results are skipped by the database.
        var slice = events.readMatching(position.get(), subjects, max);
        List<Event> batch = slice.events();
        caughtUp = batch.size() < max && slice.reachedNewest();
        return new Batch() {
            @Override
            public List<Event> events() {
                return batch;
            }

            @Override
            public void finished(int handled) {
                long cursor = handled == batch.size() ? slice.scannedThrough() : handled > 0 ? batch.get(handled - 1).cursor() : 0;
                if (cursor > position.get()) {
                    position.set(cursor);
                    save(cursor);
                }
            }

            @Override
            public void abandoned() {
                // The cursor stays where it was: whoever runs the processor next starts from there.
            }
        };
    }

    private void save(long cursor) {
        jdbi.useHandle(h -> h.createUpdate("update processor_cursors set position = :position, updated_at = now()"
                        + " where processor = :processor and position < :position")
                .bind("position", cursor).bind("processor", processor).execute());
    }

    @Override
    public long lag() {
        return leading && started ? Math.max(0, events.latestCursor() - position.get()) : 0;
    }

    @Override
    public long position() {
        return position.get();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        leading = false;
    }
}
