package studio.reyna.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads {@code REYNA_*} settings. Any setting can instead be given as a file with {@code NAME_FILE}
 * (how Docker and Kubernetes mount secrets), so secrets need not sit in the environment.
 * Errors name the variable at fault.
 */
final class Environment {
    private final Map<String, String> variables;

    Environment(Map<String, String> variables) {
        this.variables = variables;
    }

    Optional<String> text(String name) {
        String file = variables.get(name + "_FILE");
        if (file != null && !file.isBlank()) {
            try {
                return Optional.of(Files.readString(Path.of(file.strip())).strip());
            } catch (IOException e) {
                throw new ConfigException(name + "_FILE names a file that cannot be read: " + file);
            }
        }
        String value = variables.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    long number(String name, long defaultValue, long min, long max) {
        var text = text(name);
        if (text.isEmpty()) {
            return defaultValue;
        }
        try {
            long value = Long.parseLong(text.get());
            if (value < min || value > max) {
                throw new ConfigException(name + " must be between " + min + " and " + max + ", not " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ConfigException(name + " must be a whole number, not '" + text.get() + "'");
        }
    }

    /** The {@code REYNA_*} variables that no setting reads: most likely typos. */
    Set<String> unknown(Set<String> known) {
        var unknown = new TreeSet<String>();
        for (String name : variables.keySet()) {
            String base = name.endsWith("_FILE") ? name.substring(0, name.length() - 5) : name;
            if (name.startsWith("REYNA_") && !known.contains(base)) {
                unknown.add(name);
            }
        }
        return unknown;
    }

    /** A setting that is wrong; the message names the variable. */
    static final class ConfigException extends RuntimeException {
        ConfigException(String message) {
            super(message);
        }
    }
}
