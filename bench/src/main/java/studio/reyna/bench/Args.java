package studio.reyna.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} options; every option has a default, so a bare run works. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    Args(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + name + "'");
            }
            values.put(name.substring(2), args[++i]);
        }
    }

    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int integer(String name, int fallback) {
        return values.containsKey(name) ? Integer.parseInt(values.get(name).replace("_", "")) : fallback;
    }

    double number(String name, double fallback) {
        return values.containsKey(name) ? Double.parseDouble(values.get(name)) : fallback;
    }

    /** A comma-separated list, e.g. {@code --bind 127.0.0.2,127.0.0.3}. */
    List<String> list(String name, String fallback) {
        return List.of(text(name, fallback).split(","));
    }
}
