package studio.reyna.core.page;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import studio.reyna.core.problem.ValidationException;

/**
 * A request for one page: at most {@code limit} items after the opaque {@code cursor}. Cursors are
 * the base64url form of the last item's sort key, so they stay valid while items are added.
 */
public record PageRequest(int limit, String after) {
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    public static PageRequest parse(String limitParam, String cursorParam) {
        int limit = DEFAULT_LIMIT;
        if (limitParam != null && !limitParam.isBlank()) {
            try {
                limit = Integer.parseInt(limitParam.trim());
            } catch (NumberFormatException e) {
                throw ValidationException.of("/limit", "limit must be a whole number");
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw ValidationException.of("/limit", "limit must be between 1 and " + MAX_LIMIT);
            }
        }
        String after = null;
        if (cursorParam != null && !cursorParam.isBlank()) {
            try {
                after = new String(Base64.getUrlDecoder().decode(cursorParam.trim()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ValidationException.of("/cursor", "cursor is not one this server issued");
            }
            // Every sort key this server issues is printable; anything else was made up.
            if (after.isEmpty() || after.chars().anyMatch(c -> Character.isISOControl(c) || c == '\uFFFD')) {
                throw ValidationException.of("/cursor", "cursor is not one this server issued");
            }
        }
        return new PageRequest(limit, after);
    }

    private static final java.util.UUID BEFORE_EVERY_ID = new java.util.UUID(0, 0);

    /** The cursor as the id it encodes, or the smallest id for the first page: {@code id > :after} always works. */
    public java.util.UUID afterIdOrStart() {
        var id = afterId();
        return id == null ? BEFORE_EVERY_ID : id;
    }

    private java.util.UUID afterId() {
        if (after == null) {
            return null;
        }
        try {
            return java.util.UUID.fromString(after);
        } catch (IllegalArgumentException e) {
            throw ValidationException.of("/cursor", "cursor is not one this server issued");
        }
    }

    public static PageRequest first(int limit) {
        return new PageRequest(limit, null);
    }

    /**
     * Builds the page from up to {@code limit + 1} rows fetched in order: the extra row only tells
     * that another page exists.
     */
    public <T> Page<T> page(List<T> rowsPlusOne, Function<T, String> sortKey) {
        if (rowsPlusOne.size() <= limit) {
            return new Page<>(rowsPlusOne, null);
        }
        List<T> items = rowsPlusOne.subList(0, limit);
        String key = sortKey.apply(items.get(limit - 1));
        return new Page<>(List.copyOf(items), Base64.getUrlEncoder().withoutPadding()
                .encodeToString(key.getBytes(StandardCharsets.UTF_8)));
    }
}
