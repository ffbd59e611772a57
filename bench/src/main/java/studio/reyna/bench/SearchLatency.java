package studio.reyna.bench;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Search latency over HTTP, in two steps around the seed that {@code bin/bench search} writes
 * with SQL in between.
 *
 * <p>{@code --mode setup}: registers {@code users} accounts, each with {@code buckets} buckets
 * (a third at the top, the rest inside those), the schema, and shares one top-level bucket of
 * each of the next five users with user 0, read-only. Writes one line per user to {@code out}:
 * token, then its buckets (own first, then those shared with it), tab-separated.
 *
 * <p>{@code --mode measure}: {@code workers} threads, each with one keep-alive connection, send
 * searches back to back (a closed loop) as the first {@code searchers} users, after
 * {@code warmup-seconds} that are not counted, for {@code seconds}. The queries are made from
 * {@code titles} (a sample of the seeded titles): a word, the beginning of a word, two words, a
 * quoted pair, a word without another, a word within one of the user's buckets. With
 * {@code --words text} the first word is drawn from the titles' running text, so it is as common
 * as words in the data are ("the" one time in fourteen); with {@code --words vocabulary} it is
 * drawn from the distinct words, each as likely as any other, nearer to what people type into a
 * search box. Prints p50/p90/p95/p99/max, overall and per kind.
 */
public final class SearchLatency {
    private SearchLatency() {
    }

    public static void main(String[] argv) throws Exception {
        var args = new Args(argv);
        var api = new StudioApi(args.text("url", "http://127.0.0.1:8080"));
        switch (args.text("mode", "measure")) {
            case "setup" -> setup(api, args);
            case "measure" -> measure(api, args);
            default -> throw new IllegalArgumentException("--mode is setup or measure");
        }
        System.exit(0);
    }

    private static void setup(StudioApi api, Args args) throws Exception {
        int users = args.integer("users", 100);
        int perUser = args.integer("buckets", 9);
        long run = System.currentTimeMillis();
        var tokens = new ArrayList<String>();
        var emails = new ArrayList<String>();
        var buckets = new ArrayList<List<String>>();
        for (int u = 0; u < users; u++) {
            String email = "searcher-" + u + "-" + run + "@bench.example.org";
            String token = api.register(email);
            var own = new ArrayList<String>();
            int tops = Math.max(1, perUser / 3);
            for (int b = 0; b < perUser; b++) {
                own.add(b < tops ? api.createBucket(token, "Folder " + b)
                        : api.createBucket(token, "Folder " + b, own.get(b % tops)));
            }
            tokens.add(token);
            emails.add(email);
            buckets.add(own);
        }
        api.createSchema(tokens.getFirst(), args.text("schema", "note"));
        var sharedWithFirst = new ArrayList<String>();
        for (int u = 1; u <= Math.min(5, users - 1); u++) {
            api.share(tokens.get(u), buckets.get(u).getFirst(), emails.getFirst());
            sharedWithFirst.add(buckets.get(u).getFirst());
        }
        var lines = new ArrayList<String>();
        for (int u = 0; u < users; u++) {
            var all = new ArrayList<>(buckets.get(u));
            if (u == 0) {
                all.addAll(sharedWithFirst);
            }
            lines.add(tokens.get(u) + "\t" + String.join("\t", all));
        }
        Files.write(Path.of(args.text("out", "search-users.tsv")), lines);
        System.out.println("registered " + users + " users with " + perUser + " buckets each; user 0 sees "
                + sharedWithFirst.size() + " buckets of others");
    }

    private record Searcher(String token, List<String> buckets) {
    }

    private record Query(String kind, String path) {
    }

    private static void measure(StudioApi api, Args args) throws Exception {
        var searchers = new ArrayList<Searcher>();
        for (String line : Files.readAllLines(Path.of(args.text("users-file", "search-users.tsv")))) {
            var fields = line.split("\t");
            searchers.add(new Searcher(fields[0], List.of(fields).subList(1, fields.length)));
        }
        searchers.subList(Math.min(args.integer("searchers", 10), searchers.size()), searchers.size()).clear();
        var titles = new ArrayList<String[]>();
        for (String title : Files.readAllLines(Path.of(args.text("titles", "titles.txt")))) {
            var split = title.strip().split("\\s+");
            if (split.length >= 2) {
                titles.add(split);
            }
        }
        boolean byVocabulary = switch (args.text("words", "text")) {
            case "text" -> false;
            case "vocabulary" -> true;
            default -> throw new IllegalArgumentException("--words is text or vocabulary");
        };
        // Each distinct word once, with a title it occurs in (the next words of a query come from there).
        var vocabulary = new ArrayList<Map.Entry<String[], Integer>>();
        var seen = new java.util.HashSet<String>();
        for (var title : titles) {
            for (int i = 0; i < title.length - 1; i++) {
                if (seen.add(title[i])) {
                    vocabulary.add(Map.entry(title, i));
                }
            }
        }
        int workers = args.integer("workers", 4);
        int seconds = args.integer("seconds", 60);
        int warmup = args.integer("warmup-seconds", 10);
        int limit = args.integer("limit", 20);

        Map<String, Histogram> byKind = new ConcurrentHashMap<>();
        var all = new Histogram(60_000_000_000L, 3);
        var statuses = new ConcurrentHashMap<Integer, AtomicLong>();
        var found = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + warmup * 1_000_000_000L;
        long end = measureFrom + seconds * 1_000_000_000L;
        var threads = new ArrayList<Thread>();
        for (int w = 0; w < workers; w++) {
            var random = new Random(w);
            threads.add(Thread.ofPlatform().name("searcher-" + w).start(() -> {
                try (var connection = new HttpConnection(api.base(), 30_000)) {
                    while (System.nanoTime() < end) {
                        var searcher = searchers.get(random.nextInt(searchers.size()));
                        var query = byVocabulary ? query(random, vocabulary.get(random.nextInt(vocabulary.size())), titles, searcher, limit)
                                : query(random, titles, searcher, limit);
                        long t0 = System.nanoTime();
                        int status = connection.get(query.path(), searcher.token());
                        long t1 = System.nanoTime();
                        if (t0 < measureFrom) {
                            continue;
                        }
                        statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                        synchronized (all) {
                            all.recordValue(t1 - t0);
                            byKind.computeIfAbsent(query.kind(), k -> new Histogram(60_000_000_000L, 3)).recordValue(t1 - t0);
                        }
                        found.incrementAndGet();
                    }
                } catch (Exception e) {
                    System.err.println(Thread.currentThread().getName() + " failed: " + e);
                }
            }));
        }
        for (var thread : threads) {
            thread.join();
        }
        System.out.println("RESULT");
        System.out.printf("  words from the %s: %d searches in %d s by %d workers (closed loop, %d users, limit=%d): %.0f searches/s; statuses %s%n",
                byVocabulary ? "vocabulary (each distinct word alike)" : "text (as frequent as in the data)", found.get(), seconds,
                workers, searchers.size(), limit, found.get() / (double) seconds, new TreeMap<>(statuses));
        System.out.println("  kind                       count   p50 ms   p90 ms   p95 ms   p99 ms   max ms");
        var rows = new LinkedHashMap<String, Histogram>();
        rows.put("all", all);
        new TreeMap<>(byKind).forEach(rows::put);
        rows.forEach((kind, h) -> System.out.printf("  %-24s %8d %8.1f %8.1f %8.1f %8.1f %8.1f%n", kind, h.getTotalCount(),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(90) / 1e6, h.getValueAtPercentile(95) / 1e6,
                h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6));
    }

    /** A search from a word of the running text: common words come up as often as they occur. */
    private static Query query(Random random, List<String[]> titles, Searcher searcher, int limit) {
        String[] title = titles.get(random.nextInt(titles.size()));
        return query(random, Map.entry(title, random.nextInt(title.length - 1)), titles, searcher, limit);
    }

    /** One search as a person might type it, starting at word {@code at} of a title that exists. */
    private static Query query(Random random, Map.Entry<String[], Integer> at, List<String[]> titles, Searcher searcher,
                               int limit) {
        String[] title = at.getKey();
        int i = at.getValue();
        String word = title[i];
        String next = title[i + 1];
        String other = titles.get(random.nextInt(titles.size()))[0];
        int pick = random.nextInt(10);
        String kind;
        String q;
        String extra = "";
        if (pick < 3) {
            kind = "one word";
            q = word;
        } else if (pick < 5) {
            kind = "beginning of a word";
            q = word.substring(0, Math.min(word.length(), 3 + random.nextInt(3)));
        } else if (pick < 7) {
            kind = "two words";
            q = word + " " + title[(i + 2) % title.length];
        } else if (pick < 8) {
            kind = "quoted pair";
            q = "\"" + word + " " + next + "\"";
        } else if (pick < 9) {
            kind = "word -word";
            q = word + " -" + other;
        } else {
            kind = "word in a bucket";
            q = word;
            extra = "&bucketId=" + searcher.buckets().get(random.nextInt(searcher.buckets().size()));
        }
        return new Query(kind, "/api/v1/search?limit=" + limit + "&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8) + extra);
    }
}
