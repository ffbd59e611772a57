package studio.reyna.gateway.attachment;

import studio.reyna.core.problem.RangeNotSatisfiableException;

/**
 * One range of bytes asked for with {@code Range: bytes=…} (RFC 9110 §14): {@code first-last},
 * {@code first-} or the suffix {@code -length}. Anything else — other units, several ranges,
 * nonsense — is ignored and the whole file is sent, as the RFC allows; a range that starts past the
 * end cannot be satisfied (416).
 */
record ByteRange(long first, long last) {
    long length() {
        return last - first + 1;
    }

    /** The range of {@code header} within {@code size} bytes; null for the whole file. */
    static ByteRange parse(String header, long size) {
        if (header == null) {
            return null;
        }
        String value = header.strip();
        if (value.length() < 7 || !value.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = value.substring(6).strip();
        if (spec.contains(",")) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        Long first = number(spec.substring(0, dash).strip());
        Long last = number(spec.substring(dash + 1).strip());
        if (dash == 0) {
            if (last == null) {
                return null;
            }
            if (last == 0 || size == 0) {
                throw unsatisfiable(header, size);
            }
            return new ByteRange(Math.max(0, size - last), size - 1);
        }
        if (first == null || (dash < spec.length() - 1 && last == null) || (last != null && last < first)) {
            return null;
        }
        if (first >= size) {
            throw unsatisfiable(header, size);
        }
        return new ByteRange(first, last == null ? size - 1 : Math.min(last, size - 1));
    }

    /** A non-negative decimal number; null when empty, not digits, or too long to be a position. */
    private static Long number(String text) {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        return Long.parseLong(text);
    }

    private static RangeNotSatisfiableException unsatisfiable(String header, long size) {
        return new RangeNotSatisfiableException("the file has " + size + " bytes; '" + header.strip()
                + "' asks for none of them", size);
    }
}
