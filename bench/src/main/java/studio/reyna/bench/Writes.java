package studio.reyna.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * Blob creation as fast as the studio takes it: {@code workers} threads, each with one
 * keep-alive connection, create blobs back to back (a closed loop) for {@code users} accounts
 * in turn, so the number of requests in flight is the number of workers. Every blob is
 * validated against its schema, authorised, counted against its owner's quotas and written with
 * its event, as a client's would be.
 */
public final class Writes {
    private Writes() {
    }

    public static void main(String[] argv) throws Exception {
        var args = new Args(argv);
        var api = new StudioApi(args.text("url", "http://127.0.0.1:8080"));
        int users = args.integer("users", 50);
        int workers = args.integer("workers", 32);
        int seconds = args.integer("seconds", 30);
        int warmup = args.integer("warmup-seconds", 10);
        // With a count, exactly that many blobs are created (a burst), as fast as they go, and nothing is a warm-up.
        long count = args.integer("count", 0);
        if (count > 0) {
            warmup = 0;
            seconds = 3600;
        }
        long run = System.currentTimeMillis();

        var tokens = new ArrayList<String>();
        var buckets = new ArrayList<String>();
        for (int u = 0; u < users; u++) {
            String token = api.register("writer-" + u + "-" + run + "@bench.example.org");
            tokens.add(token);
            buckets.add(api.createBucket(token, "Writes"));
        }
        String schema = "writes-" + run;
        api.createSchema(tokens.getFirst(), schema);

        var latency = new Recorder(60_000_000_000L, 3);
        var written = new AtomicLong();
        var started = new AtomicLong();
        Map<Integer, AtomicLong> failures = new ConcurrentHashMap<>();
        long start = System.nanoTime();
        System.out.println("writing from " + System.currentTimeMillis());
        long measureFrom = start + warmup * 1_000_000_000L;
        long end = measureFrom + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            threads.add(Thread.ofPlatform().name("writer-" + w).start(() -> {
                try (var connection = new HttpConnection(api.base(), 30_000)) {
                    for (long i = 0; ; i++) {
                        long began = System.nanoTime();
                        if (began >= end || (count > 0 && started.incrementAndGet() > count)) {
                            return;
                        }
                        int user = (int) ((worker + i * workers) % users);
                        int status = StudioApi.createBlob(connection, tokens.get(user), buckets.get(user), schema,
                                "note " + worker + "/" + i);
                        long took = System.nanoTime() - began;
                        if (began >= measureFrom) {
                            if (status == 201) {
                                written.incrementAndGet();
                                latency.recordValue(took);
                            } else {
                                failures.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                            }
                        }
                    }
                } catch (java.io.IOException e) {
                    failures.computeIfAbsent(-1, s -> new AtomicLong()).incrementAndGet();
                }
            }));
        }
        latency.getIntervalHistogram(); // forget the warm-up
        for (var thread : threads) {
            thread.join();
        }
        var h = latency.getIntervalHistogram();
        double measured = count > 0 ? (System.nanoTime() - measureFrom) / 1e9 : seconds;
        System.out.println("RESULT");
        System.out.printf("  %d workers, closed loop, over %d users, %.1f s after %d s of warm-up%n", workers, users, measured, warmup);
        System.out.printf("  blobs created: %d = %.0f per second%n", written.get(), written.get() / measured);
        System.out.printf("  create-blob time (ms): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f%n",
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(99) / 1e6,
                h.getValueAtPercentile(99.9) / 1e6, h.getMaxValue() / 1e6);
        System.out.println("  failures by status (-1: connection): " + (failures.isEmpty() ? "none" : new TreeMap<>(failures)));
        System.out.printf("writes_per_second=%.0f%n", written.get() / measured);
        System.exit(0);
    }
}
