package studio.reyna.app;

import java.util.Locale;
import java.util.regex.Pattern;
import studio.reyna.state.usage.Usage;

/** Reads the maxima an admin types: a whole number, with a unit for sizes (10GB, 512MiB), or "default". */
final class Sizes {
    private static final Pattern AMOUNT = Pattern.compile("^(\\d{1,18})\\s*([KMGT]i?B|B)?$", Pattern.CASE_INSENSITIVE);

    private Sizes() {
    }

    /** Null when not given; {@link Usage.Override#DEFAULT} for "default". */
    static Long maximum(String text, String option, boolean withUnit) {
        if (text == null) {
            return null;
        }
        if (text.strip().equalsIgnoreCase("default")) {
            return Usage.Override.DEFAULT;
        }
        var matcher = AMOUNT.matcher(text.strip());
        if (!matcher.matches() || (!withUnit && matcher.group(2) != null)) {
            throw new Environment.ConfigException(option + " must be a whole number" + (withUnit ? " with an optional unit (KB, MB, GB, TB, KiB … TiB)" : "")
                    + " or 'default', not '" + text + "'");
        }
        long number = Long.parseLong(matcher.group(1));
        String unit = matcher.group(2) == null ? "B" : matcher.group(2).toUpperCase(Locale.ROOT);
        long factor = switch (unit) {
            case "KB" -> 1_000L;
            case "MB" -> 1_000_000L;
            case "GB" -> 1_000_000_000L;
            case "TB" -> 1_000_000_000_000L;
            case "KIB" -> 1L << 10;
            case "MIB" -> 1L << 20;
            case "GIB" -> 1L << 30;
            case "TIB" -> 1L << 40;
            default -> 1L;
        };
        try {
            return Math.multiplyExact(number, factor);
        } catch (ArithmeticException e) {
            throw new Environment.ConfigException(option + " is too large: " + text);
        }
    }
}
