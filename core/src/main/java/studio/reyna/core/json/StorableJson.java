package studio.reyna.core.json;

import studio.reyna.core.problem.ValidationException;
import tools.jackson.databind.JsonNode;

/**
 * What PostgreSQL cannot keep in JSON, found before it is written: every path that stores JSON a
 * client sent (a request body, an imported export) refuses it at the field that holds it.
 */
public final class StorableJson {
    /**
     * Numbers are stored exactly, and PostgreSQL writes them out in full (1e999 as 1000 digits).
     * Beyond these bounds common JSON parsers refuse what we would send back (Jackson's default
     * is 1000 digits), and PostgreSQL's own numeric range ends not much further.
     */
    private static final int MAX_INTEGER_DIGITS = 1000;
    private static final int MAX_FRACTION_DIGITS = 1000;

    private StorableJson() {
    }

    /**
     * What PostgreSQL cannot keep in JSON, or would give back in a form clients cannot read, is
     * refused here at the field that holds it, rather than failing later: the NUL character
     * (U+0000), unpaired surrogates, and numbers too long to write out.
     */
    public static void check(JsonNode node, String pointer) {
        if (node.isString()) {
            refuseUnstorableText(node.asString(), pointer);
        }
        if (node.isBigDecimal()) {
            var number = node.decimalValue();
            if (number.precision() - number.scale() > MAX_INTEGER_DIGITS || number.scale() > MAX_FRACTION_DIGITS) {
                throw ValidationException.of(pointer, "number is out of range (at most " + MAX_INTEGER_DIGITS
                        + " digits before the decimal point and " + MAX_FRACTION_DIGITS + " after it)");
            }
        }
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                check(node.get(i), pointer + "/" + i);
            }
        } else if (node.isObject()) {
            for (var entry : node.properties()) {
                String child = pointer + "/" + entry.getKey().replace("~", "~0").replace("/", "~1");
                refuseUnstorableText(entry.getKey(), child);
                check(entry.getValue(), child);
            }
        }
    }

    /**
     * U+0000 and unpaired surrogates (JSON may spell them as escapes) cannot be stored as text:
     * PostgreSQL refuses the first and would silently replace the second.
     */
    private static void refuseUnstorableText(String text, String pointer) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\u0000') {
                throw ValidationException.of(pointer, "text cannot contain the NUL character (U+0000)");
            }
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ValidationException.of(pointer, "text cannot contain an unpaired UTF-16 surrogate");
            }
        }
    }

}
