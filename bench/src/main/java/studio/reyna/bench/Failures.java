package studio.reyna.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/** Counts failures by kind, so a report can say what went wrong and how often. */
final class Failures {
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    void add(Throwable e) {
        String message = e.getMessage() == null ? "" : e.getMessage().replaceAll("[0-9a-f-]{36}", "…");
        add(e.getClass().getSimpleName() + ": " + (message.length() > 120 ? message.substring(0, 120) : message));
    }

    void add(String kind) {
        counts.computeIfAbsent(kind, k -> new LongAdder()).increment();
    }

    long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** The kinds, most frequent first, one per line, indented. */
    String summary() {
        return counts.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .limit(10)
                .map(e -> "    " + e.getValue().sum() + " × " + e.getKey())
                .collect(Collectors.joining("\n"));
    }
}
