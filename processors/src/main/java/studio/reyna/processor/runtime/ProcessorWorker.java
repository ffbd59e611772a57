package studio.reyna.processor.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.event.Event;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.events.bus.Subjects;
import studio.reyna.processor.InputRefusedException;
import studio.reyna.processor.Processor;
import studio.reyna.state.blob.Blob;
import studio.reyna.state.blob.Blobs;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs one processor over its {@link EventSource}, at least once per event. With a cursor over the
 * event log ({@link LogCursor}) one node at a time works for the processor — the one whose
 * {@link ProcessorRuntime} holds its PostgreSQL advisory lock — in the log's order; with a queue
 * the nodes share on the bus ({@link SharedQueue}) every node's worker takes part of the work.
 * Either way an event whose node died before its result was stored comes again, and one handled
 * twice is harmless: a result replaces only one derived from an older or the same version.
 *
 * <p>Each event gets {@code maxAttempts} invocations, each bounded by the timeout, with doubling
 * pauses between them; then it is recorded as a dead letter and the worker moves on. After
 * {@code breakAfter} dead letters in a row the circuit opens: the worker pauses for
 * {@code breakFor}, then tries the next event once (half open) before it runs freely again.
 */
public final class ProcessorWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProcessorWorker.class);
    private static final int BATCH = 200;

    /** How a processor stands on this node. */
    public record Health(String processor, boolean working, long position, long lagEvents, String circuit,
                         long failures, long deadLetters) {
    }

    private final Jdbi jdbi;
    private final EventSource source;
    private final ProcessingInputs inputs;
    private final Processor processor;
    private final ProcessorRuntime.Settings settings;
    private final ExecutorService invocations = Executors.newVirtualThreadPerTaskExecutor();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicBoolean working = new AtomicBoolean();
    private final AtomicLong failuresInARow = new AtomicLong();
    private final Counter failures;
    private final Counter deadLetters;
    private final Timer executions;
    private volatile long circuitClosedAt;
    private Thread thread;

    ProcessorWorker(Jdbi jdbi, EventSource source, ProcessingInputs inputs, Processor processor,
                    ProcessorRuntime.Settings settings, MeterRegistry metrics) {
        this.jdbi = jdbi;
        this.source = source;
        this.inputs = inputs;
        this.processor = processor;
        this.settings = settings;
        String name = processor.name();
        this.failures = Counter.builder("reyna.processor.failures").tag("processor", name)
                .description("invocations that failed or timed out").register(metrics);
        this.deadLetters = Counter.builder("reyna.processor.dead.letters").tag("processor", name)
                .description("events given up on after every attempt").register(metrics);
        this.executions = Timer.builder("reyna.processor.execution").tag("processor", name)
                .description("time of one invocation").publishPercentileHistogram().register(metrics);
        Gauge.builder("reyna.processor.lag", this, worker -> worker.lag()).tag("processor", name)
                .description("events this processor has yet to take (0 on nodes that stand by)").register(metrics);
        Gauge.builder("reyna.processor.circuit.open", this, worker -> worker.circuitOpen() ? 1 : 0).tag("processor", name)
                .description("1 while the processor's circuit is open").register(metrics);
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("processor-" + processor.name()).start(this::run);
    }

    Health health() {
        return new Health(processor.name(), working.get(), source.position(), lag(), circuitOpen() ? "open" : "closed",
                (long) failures.count(), (long) deadLetters.count());
    }

    private long lag() {
        return working.get() ? source.lag() : 0;
    }

    private boolean circuitOpen() {
        return System.nanoTime() - circuitClosedAt < 0;
    }

    private void run() {
        while (stopped.getCount() > 0) {
            try {
                if (source.active()) {
                    work();
                } else {
                    pause(Duration.ofMillis(250));
                }
            } catch (Stopping e) {
                return;
            } catch (RuntimeException e) {
                if (stopped.getCount() > 0) {
                    log.warn("processor {} interrupted ({}); trying again", processor.name(), e.getMessage());
                    pause(Duration.ofSeconds(1));
                }
            } finally {
                working.set(false);
            }
        }
    }

    /**
     * Works while the source lets this node and it is not stopping. The results of a batch are
     * written together, in one transaction, before the batch is marked finished.
     */
    private void work() {
        working.set(true);
        while (stopped.getCount() > 0 && source.active()) {
            var batch = source.next(BATCH);
            var all = batch.events();
            var mine = all.stream().filter(event -> Subjects.matchesAny(processor.subjects(), event.subject())).toList();
            // The blobs of the batch in one query, as they are now.
            var blobs = inputs.blobs(mine);
            var results = new ArrayList<Blobs.Derived>();
            int handled = 0;
            try {
                for (var event : all) {
                    if (stopped.getCount() == 0 || !source.active()) {
                        break;
                    }
                    if (Subjects.matchesAny(processor.subjects(), event.subject())) {
                        awaitClosedCircuit();
                        handle(event, Optional.ofNullable(event.blobId() == null ? null : blobs.get(event.blobId())), batch)
                                .ifPresent(results::add);
                    }
                    handled++;
                }
            } catch (Stopping e) {
                batch.abandoned();
                throw e;
            }
            inputs.writeDerived(results);
            batch.finished(handled);
        }
    }

    /** One event, to its end: a result to write, nothing to do, or a dead letter. */
    private Optional<Blobs.Derived> handle(Event event, Optional<Blob> blob, EventSource.Batch batch) {
        if (blob.isEmpty()) {
            return Optional.empty(); // deleted meanwhile: nothing left to derive for
        }
        if (event.version() != null && blob.get().version() > event.version()) {
            return Optional.empty(); // changed since: the event of that change follows in the log
        }
        var config = inputs.configFor(blob.get().ownerId(), processor);
        if (config.isEmpty()) {
            return Optional.empty(); // the owner turned this processor off
        }
        Exception last = null;
        for (int attempt = 1; attempt <= settings.maxAttempts(); attempt++) {
            batch.stillWorking();
            try {
                var result = invoke(blob.get(), event, config.get());
                failuresInARow.set(0);
                return result == null ? Optional.empty() : Optional.of(new Blobs.Derived(blob.get().id(), processor.name(),
                        blob.get().version(), withAttachment(result, event)));
            } catch (NotFoundException e) {
                // What the event names is gone (an attachment deleted since): nothing left to derive for.
                return Optional.empty();
            } catch (InputRefusedException e) {
                // Past a limit of the processor (an image too large): trying again cannot help.
                log.debug("processor {} refused the input of event {}: {}", processor.name(), event.id(), e.getMessage());
                return Optional.empty();
            } catch (Exception e) {
                if (stopped.getCount() == 0) {
                    // The node is stopping: the event is neither failed nor done; whoever runs the
                    // processor next starts from it again.
                    throw new Stopping();
                }
                last = e;
                failures.increment();
                if (attempt < settings.maxAttempts()) {
                    pause(settings.firstRetry().multipliedBy(1L << (attempt - 1)));
                }
            }
        }
        recordDeadLetter(event, last);
        return Optional.empty();
    }

    private JsonNode invoke(Blob blob, Event event, JsonNode config) throws Exception {
        var input = inputs.input(blob, event);
        var future = invocations.submit(() -> executions.recordCallable(() -> processor.derive(input, config)));
        try {
            return future.get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new TimeoutException("took longer than " + settings.timeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** A result made from an attachment names it: a blob may carry several. */
    private static JsonNode withAttachment(JsonNode result, Event event) {
        if (result instanceof ObjectNode object && event.data() != null && event.data().hasNonNull("attachmentId")) {
            object.put("attachmentId", event.data().get("attachmentId").asString());
        }
        return result;
    }

    private void recordDeadLetter(Event event, Exception cause) {
        deadLetters.increment();
        String error = cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        log.warn("processor {} gave up on event {} (blob {}) after {} attempts: {}", processor.name(), event.id(),
                event.blobId(), settings.maxAttempts(), error);
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into processor_dead_letters (processor, event_id, blob_id, owner_id, attempts, error)
                        values (:processor, :event, :blob, :owner, :attempts, :error)
                        on conflict (processor, event_id) do update
                        set attempts = processor_dead_letters.attempts + excluded.attempts, error = excluded.error, failed_at = now()""")
                .bind("processor", processor.name()).bind("event", event.id()).bind("blob", event.blobId())
                .bind("owner", event.ownerId()).bind("attempts", settings.maxAttempts())
                .bind("error", error.length() > 2000 ? error.substring(0, 2000) : error).execute());
        if (failuresInARow.incrementAndGet() >= settings.breakAfter()) {
            log.warn("processor {}: {} events in a row failed; pausing it for {} s", processor.name(),
                    failuresInARow.get(), settings.breakFor().toSeconds());
            circuitClosedAt = System.nanoTime() + settings.breakFor().toNanos();
            // Half open afterwards: one more failure opens it again.
            failuresInARow.set(settings.breakAfter() - 1);
        }
    }

    private void awaitClosedCircuit() {
        while (circuitOpen() && stopped.getCount() > 0) {
            pause(Duration.ofMillis(Math.min(1000, Math.max(1, (circuitClosedAt - System.nanoTime()) / 1_000_000))));
        }
    }

    private void pause(Duration duration) {
        try {
            stopped.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leaves the current event unfinished, its cursor unsaved, because the node is stopping. */
    private static final class Stopping extends RuntimeException {
        Stopping() {
            super(null, null, false, false);
        }
    }

    @Override
    public void close() {
        stopped.countDown();
        invocations.shutdownNow();
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        source.close();
    }
}
