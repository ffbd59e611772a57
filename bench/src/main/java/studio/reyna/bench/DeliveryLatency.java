package studio.reyna.bench;

import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Commit → delivery latency. {@code --subscribers} sockets (spread round-robin over
 * {@code --users} accounts; events reach only their owner's sockets) subscribe to everything;
 * then blobs are written over HTTP and, for every event a socket receives, latency = time of
 * receipt − the event's {@code time} (set by the writing transaction, on the same machine's clock).
 *
 * <ul>
 *   <li>{@code --mode latency}: {@code --rate} writes/s for {@code --seconds} (after
 *       {@code --warmup-seconds} not counted), by {@code --workers} virtual threads on an open-loop
 *       schedule (write i is due at start + i/rate, whatever happened before it).</li>
 *   <li>{@code --mode fanout}: {@code --writes} single writes, {@code --interval-ms} apart (after
 *       {@code --warmup-writes}); each is one event to every socket of the user. Reports every
 *       event's spread and all together.</li>
 * </ul>
 *
 * Writes of the measured phase carry the title {@code "m <n>"}, warm-up ones {@code "w <n>"}, so
 * a receiver knows exactly which events count. Every phase is bounded in time.
 */
public final class DeliveryLatency {
    private final StudioApi api;
    private final URI uri;
    private final Args args;
    private final String mode;
    private final int users;
    private final Recorder overall = new Recorder(3);
    private final Recorder warmup = new Recorder(3);
    private final Map<Integer, Recorder> perEvent = new ConcurrentHashMap<>();
    private final LongAdder delivered = new LongAdder();
    private final LongAdder warmupDelivered = new LongAdder();
    private final Failures closes = new Failures();
    private final AtomicInteger alive = new AtomicInteger();

    private DeliveryLatency(Args args) {
        this.args = args;
        this.api = new StudioApi(args.text("url", "http://127.0.0.1:8080"));
        this.uri = api.webSocketUri();
        this.mode = args.text("mode", "latency");
        this.users = args.integer("users", 1);
    }

    public static void main(String[] argv) throws Exception {
        new DeliveryLatency(new Args(argv)).run();
        System.exit(0);
    }

    private void run() throws Exception {
        boolean fanout = mode.equals("fanout");
        int subscribers = args.integer("subscribers", fanout ? 10_000 : 1_000);
        String run = Long.toString(System.currentTimeMillis(), 36);

        // Accounts, one schema for all (schemas are shared by the installation), a bucket each.
        long t0 = System.nanoTime();
        String[] tokens = new String[users];
        String[] buckets = new String[users];
        var setup = new ArrayList<Thread>();
        var setupFailures = new Failures();
        var setupSlots = new Semaphore(4);
        for (int u = 0; u < users; u++) {
            int user = u;
            setup.add(Thread.ofVirtual().start(() -> {
                try {
                    setupSlots.acquire();
                    try {
                        tokens[user] = api.register("bench-" + run + "-" + user + "@bench.example.org");
                        buckets[user] = api.createBucket(tokens[user], "bench " + run);
                    } finally {
                        setupSlots.release();
                    }
                } catch (Exception e) {
                    setupFailures.add(e);
                }
            }));
        }
        for (Thread thread : setup) {
            thread.join(TimeUnit.MINUTES.toMillis(10));
        }
        if (setupFailures.total() > 0) {
            throw new IllegalStateException("setting up the accounts failed:\n" + setupFailures.summary());
        }
        String schemaId = "bench-" + run;
        api.createSchema(tokens[0], schemaId);
        System.out.printf("setup: %d account(s) with a bucket each, schema %s (%.1f s)%n", users, schemaId,
                (System.nanoTime() - t0) / 1e9);

        int[] socketsOfUser = openSubscribers(subscribers, tokens);
        int held = alive.get();
        if (held == 0) {
            throw new IllegalStateException("no subscriber could connect");
        }
        long cpu0 = cpuNanos();
        long wall0 = System.nanoTime();
        if (fanout) {
            fanout(tokens, buckets, schemaId, held);
        } else {
            latency(tokens, buckets, schemaId, socketsOfUser, held);
        }
        // The generator shares the machine's cores with the studio: say how much it took.
        System.out.printf("  this load generator used %.1f s of CPU in the %.1f s of writing and receiving%n",
                (cpuNanos() - cpu0) / 1e9, (System.nanoTime() - wall0) / 1e9);
        if (closes.total() > 0) {
            System.out.println("sockets closed during the run:\n" + closes.summary());
        }
        System.out.printf("subscribers still open at the end: %d of %d%n", alive.get(), held);
    }

    /** Opens the sockets; returns how many each user got. */
    private int[] openSubscribers(int subscribers, String[] tokens) throws InterruptedException {
        List<String> binds = args.list("bind", "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5");
        int parallel = args.integer("parallel", 32);
        var slots = new Semaphore(parallel);
        var failures = new Failures();
        int[] perUser = new int[users];
        long started = System.nanoTime();
        long deadline = started + TimeUnit.MINUTES.toNanos(10);
        for (int i = 0; i < subscribers && System.nanoTime() < deadline; i++) {
            if (!slots.tryAcquire(60, TimeUnit.SECONDS)) {
                break;
            }
            int user = i % users;
            String bind = binds.get(i % binds.size());
            Thread.ofVirtual().start(() -> {
                WebSocketConnection ws;
                try {
                    ws = Subscriber.open(uri, bind, tokens[user], 30_000);
                    synchronized (perUser) {
                        perUser[user]++;
                    }
                    alive.incrementAndGet();
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                    return;
                } finally {
                    slots.release();
                }
                receive(ws);
            });
        }
        slots.tryAcquire(parallel, 60, TimeUnit.SECONDS);
        System.out.printf("subscribers: %d of %d open (%.1f s)%n", alive.get(), subscribers,
                (System.nanoTime() - started) / 1e9);
        if (failures.total() > 0) {
            System.out.println("subscriber failures:\n" + failures.summary());
        }
        System.out.flush();
        return perUser;
    }

    /** One socket's loop: every event of a measured write is timed; it ends when the socket does. */
    private void receive(WebSocketConnection ws) {
        try {
            ws.readTimeout(0);
            String text;
            while ((text = ws.receive()) != null) {
                long now = micros(Instant.now());
                if (!text.startsWith("{\"type\":\"event\"")) {
                    continue;
                }
                String title = field(text, "\"title\":\"");
                if (title == null || title.length() < 3) {
                    continue;
                }
                long latency = Math.max(0, now - micros(parseTime(field(text, "\"time\":\""))));
                if (title.charAt(0) != 'm') {
                    warmup.recordValue(latency);
                    warmupDelivered.increment();
                    continue;
                }
                overall.recordValue(latency);
                if (!perEvent.isEmpty()) {
                    var recorder = perEvent.get(Integer.parseInt(title.substring(2)));
                    if (recorder != null) {
                        recorder.recordValue(latency);
                    }
                }
                delivered.increment();
            }
            closes.add("closed by the server " + ws.closeCode() + " " + ws.closeReason());
        } catch (IOException | RuntimeException e) {
            closes.add(e);
        } finally {
            alive.decrementAndGet();
            ws.close();
        }
    }

    private static String field(String text, String prefix) {
        int start = text.indexOf(prefix);
        if (start < 0) {
            return null;
        }
        start += prefix.length();
        int end = text.indexOf('"', start);
        return end < 0 ? null : text.substring(start, end);
    }

    private static Instant parseTime(String time) {
        // ISO-8601 with Z or with an offset.
        return time.endsWith("Z") ? Instant.parse(time) : ZonedDateTime.parse(time).toInstant();
    }

    private static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    private void latency(String[] tokens, String[] buckets, String schemaId, int[] socketsOfUser, int held)
            throws InterruptedException {
        double rate = args.number("rate", 1_000);
        int seconds = args.integer("seconds", 30);
        int warmupSeconds = args.integer("warmup-seconds", 5);
        int workers = args.integer("workers", 32);
        long warmupWrites = Math.round(rate * warmupSeconds);
        long total = warmupWrites + Math.round(rate * seconds);
        long intervalNanos = Math.round(1e9 / rate);
        System.out.printf("writing: %.0f writes/s for %d s (+%d s warm-up) with %d workers; %d subscribers over %d user(s)%n",
                rate, seconds, warmupSeconds, workers, held, users);
        System.out.flush();

        var next = new java.util.concurrent.atomic.AtomicLong();
        var written = new LongAdder();
        var expected = new LongAdder();
        var warmupWritten = new LongAdder();
        var warmupExpected = new LongAdder();
        var writeFailures = new Failures();
        var lateStarts = new LongAdder();
        var http = new Recorder(3);
        var lastMeasuredDone = new java.util.concurrent.atomic.AtomicLong();
        var firstMeasuredSent = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        // The writers stop a minute after the planned end at the latest, however far behind they are.
        long hardStop = start + TimeUnit.SECONDS.toNanos(seconds + warmupSeconds + 60L);
        var threads = new ArrayList<Thread>();
        for (int w = 0; w < workers; w++) {
            threads.add(Thread.ofVirtual().name("writer-" + w).start(() -> {
                long i;
                var connection = new HttpConnection(api.base(), 30_000);
                while ((i = next.getAndIncrement()) < total && System.nanoTime() < hardStop) {
                    long due = start + i * intervalNanos;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    } else if (wait < -TimeUnit.MILLISECONDS.toNanos(10)) {
                        lateStarts.increment();
                    }
                    boolean measured = i >= warmupWrites;
                    int user = (int) (i % users);
                    long sent = System.nanoTime();
                    try {
                        int status = StudioApi.createBlob(connection, tokens[user], buckets[user], schemaId,
                                (measured ? "m " : "w ") + i);
                        long done = System.nanoTime();
                        if (status != 201) {
                            writeFailures.add("HTTP " + status);
                        } else if (!measured) {
                            warmupWritten.increment();
                            warmupExpected.add(socketsOfUser[user]);
                        } else {
                            written.increment();
                            expected.add(socketsOfUser[user]);
                            http.recordValue((done - sent) / 1_000);
                            lastMeasuredDone.accumulateAndGet(done, Math::max);
                            firstMeasuredSent.accumulateAndGet(sent, Math::min);
                        }
                    } catch (IOException | RuntimeException e) {
                        writeFailures.add(e);
                    }
                }
                connection.close();
            }));
        }
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(hardStop - System.nanoTime()) + 5_000));
        }
        // From the first measured write sent (the warm-up may have run late) to the last one answered.
        double writeSeconds = written.sum() == 0 ? 0 : (lastMeasuredDone.get() - firstMeasuredSent.get()) / 1e9;
        drain(expected.sum());

        Histogram latencies = overall.getIntervalHistogram();
        Histogram requests = http.getIntervalHistogram();
        Histogram warmupLatencies = warmup.getIntervalHistogram();
        System.out.println();
        System.out.println("RESULT latency");
        System.out.printf("  warm-up (not counted): %d of %d writes in %d s; %d of %d events delivered; latency (ms) "
                        + "p50 %.2f  p99 %.2f  max %.2f%n",
                warmupWritten.sum(), warmupWrites, warmupSeconds, warmupDelivered.sum(), warmupExpected.sum(),
                ms(warmupLatencies, 50), ms(warmupLatencies, 99), warmupLatencies.getMaxValue() / 1e3);
        if (written.sum() == 0) {
            System.out.println("  NO measured write happened: the writers were still in the warm-up when they had to stop"
                    + " (the studio took far longer per write than the rate allows)");
        }
        System.out.printf("  writes: %d of %d measured written in %.1f s = %.0f writes/s achieved (target %.0f/s); "
                        + "%d started >10 ms late; failures %d%n",
                written.sum(), total - warmupWrites, writeSeconds, written.sum() / Math.max(writeSeconds, 1e-3), rate,
                lateStarts.sum(), writeFailures.total());
        if (writeFailures.total() > 0) {
            System.out.println(writeFailures.summary());
        }
        System.out.printf("  HTTP create-blob time (ms): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f%n",
                ms(requests, 50), ms(requests, 90), ms(requests, 99), requests.getMaxValue() / 1e3);
        System.out.printf("  events delivered: %d of %d expected (%.2f %%), %d subscribers over %d user(s)%n",
                delivered.sum(), expected.sum(), 100.0 * delivered.sum() / Math.max(1, expected.sum()), held, users);
        System.out.printf("  commit → delivery latency (ms): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n",
                ms(latencies, 50), ms(latencies, 90), ms(latencies, 99), ms(latencies, 99.9),
                latencies.getMaxValue() / 1e3);
    }

    private void fanout(String[] tokens, String[] buckets, String schemaId, int held) throws InterruptedException {
        int writes = args.integer("writes", 20);
        int warmups = args.integer("warmup-writes", 3);
        int intervalMillis = args.integer("interval-ms", 1_000);
        System.out.printf("writing: %d single writes (+%d warm-up), %d ms apart, each to %d subscribers%n",
                writes, warmups, intervalMillis, held);
        System.out.flush();
        for (int k = 0; k < writes; k++) {
            perEvent.put(k, new Recorder(3));
        }
        var writeFailures = new Failures();
        var connection = new HttpConnection(api.base(), 30_000);
        long expected = 0;
        int[] expectedOf = new int[writes];
        for (int k = -warmups; k < writes; k++) {
            long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(intervalMillis);
            int user = Math.floorMod(k, users);
            try {
                int status = StudioApi.createBlob(connection, tokens[user], buckets[user], schemaId,
                        (k >= 0 ? "m " : "w ") + Math.max(k, 0));
                if (status != 201) {
                    writeFailures.add("HTTP " + status);
                } else if (k >= 0) {
                    expectedOf[k] = alive.get();
                    expected += expectedOf[k];
                }
            } catch (IOException | RuntimeException e) {
                writeFailures.add(e);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(Math.max(0, due - System.nanoTime()));
        }
        drain(expected);

        System.out.println();
        System.out.println("RESULT fanout");
        System.out.printf("  %d writes, each one event to the %d sockets of %d user(s); write failures %d%n",
                writes, held, users, writeFailures.total());
        if (writeFailures.total() > 0) {
            System.out.println(writeFailures.summary());
        }
        System.out.println("  event  delivered      p50 ms   p99 ms   max ms");
        double worstP99 = 0;
        for (int k = 0; k < writes; k++) {
            Histogram h = perEvent.get(k).getIntervalHistogram();
            worstP99 = Math.max(worstP99, ms(h, 99));
            System.out.printf("  %5d  %6d/%-6d %8.1f %8.1f %8.1f%n", k, h.getTotalCount(), expectedOf[k],
                    ms(h, 50), ms(h, 99), h.getMaxValue() / 1e3);
        }
        Histogram all = overall.getIntervalHistogram();
        System.out.printf("  all events: delivered %d of %d; latency (ms) p50 %.1f  p90 %.1f  p99 %.1f  max %.1f; "
                        + "worst per-event p99 %.1f%n",
                delivered.sum(), expected, ms(all, 50), ms(all, 90), ms(all, 99), all.getMaxValue() / 1e3, worstP99);
    }

    /** Waits until every expected event has arrived, or {@code --drain-seconds}. */
    private void drain(long expected) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(args.integer("drain-seconds", 15));
        while (delivered.sum() < expected && System.nanoTime() < until && alive.get() > 0) {
            Thread.sleep(50);
        }
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }
}
