package studio.reyna.processor.runtime;

import java.util.List;
import studio.reyna.core.event.Event;

/**
 * Where a {@link ProcessorWorker} takes its events from, a batch at a time: a cursor of its own
 * over the event log ({@link LogCursor}), or a queue the nodes share ({@link SharedQueue}).
 */
interface EventSource extends AutoCloseable {
    /** Whether this node may take events now. */
    boolean active();

    /** The next events, up to {@code max}; empty (after a short wait) when there are none. */
    Batch next(int max);

    /** Events the processor has yet to take. */
    long lag();

    /** The position of the newest event taken, for health; 0 before the first. */
    long position();

    @Override
    void close();

    /** Events taken together; {@link #finished} or {@link #abandoned} says what became of them. */
    interface Batch {
        List<Event> events();

        /** The first {@code handled} events are done (their results stored), the rest not. */
        void finished(int handled);

        /** None is done: the node is stopping. */
        void abandoned();

        /** Still at work on them (a slow processor, retries): nobody else should take them over yet. */
        default void stillWorking() {
        }
    }
}
