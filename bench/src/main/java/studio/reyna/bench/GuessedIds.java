package studio.reyna.bench;

import java.util.UUID;
import org.HdrHistogram.Histogram;

/**
 * Whether a stranger can tell another user's bucket or blob from an id that names nothing, by
 * the time the answer takes. Both must answer 404; this measures the two kinds of request,
 * interleaved one for one over one keep-alive connection, after a warm-up, and prints their
 * latency percentiles side by side.
 */
public final class GuessedIds {
    private GuessedIds() {
    }

    public static void main(String[] argv) throws Exception {
        var args = new Args(argv);
        var api = new StudioApi(args.text("url", "http://127.0.0.1:8080"));
        int rounds = args.integer("rounds", 5_000);
        long run = System.currentTimeMillis();
        String owner = api.register("owner-" + run + "@bench.example.org");
        String stranger = api.register("stranger-" + run + "@bench.example.org");
        String schema = "guess-" + run;
        api.createSchema(owner, schema);
        String bucket = api.createBucket(owner, "Private");
        String blob = api.createBlob(owner, bucket, schema, "private");

        var kinds = new String[][] {
                {"another user's blob", "/api/v1/blobs/" + blob},
                {"a blob id that names nothing", null},
                {"another user's bucket", "/api/v1/buckets/" + bucket},
                {"a bucket id that names nothing", null},
        };
        var histograms = new Histogram[kinds.length];
        for (int k = 0; k < kinds.length; k++) {
            histograms[k] = new Histogram(10_000_000_000L, 3);
        }
        try (var connection = new HttpConnection(api.base(), 10_000)) {
            for (int round = -rounds / 5; round < rounds; round++) {
                for (int k = 0; k < kinds.length; k++) {
                    String path = kinds[k][1] != null ? kinds[k][1]
                            : (k == 1 ? "/api/v1/blobs/" : "/api/v1/buckets/") + UUID.randomUUID();
                    long start = System.nanoTime();
                    int status = connection.get(path, stranger);
                    long took = System.nanoTime() - start;
                    if (status != 404) {
                        throw new IllegalStateException(kinds[k][0] + " answered " + status + ", not 404");
                    }
                    if (round >= 0) {
                        histograms[k].recordValue(took);
                    }
                }
            }
        }
        System.out.println("RESULT");
        System.out.printf("  %d rounds of 4 GETs by a stranger, interleaved, after %d warm-up rounds; every answer 404%n",
                rounds, rounds / 5);
        System.out.println("  what is asked for                      p50 µs   p90 µs   p99 µs  p99.9 µs");
        for (int k = 0; k < kinds.length; k++) {
            var h = histograms[k];
            System.out.printf("  %-36s %8.0f %8.0f %8.0f %9.0f%n", kinds[k][0], h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3);
        }
        System.exit(0);
    }
}
