package studio.reyna.state.blob;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import studio.reyna.core.problem.ValidationException;

/**
 * How a bucket's blobs are listed: the {@code sort} parameter. Every order ends with the id, so
 * it is total and a page's cursor (the last item's key) says exactly where the next page starts,
 * even while blobs are added or change. Each order has its own index (V10), so a page costs the
 * same in a bucket of ten blobs or of a million.
 */
public enum BlobOrder {
    /** Oldest first: ids are time-ordered (UUIDv7). The default. */
    CREATED("created", "id > :afterId", "id"),
    NEWEST("-created", "id < :afterId", "id desc"),
    RECENTLY_UPDATED("-updated", "(updated_at, id) < (:afterTime, :afterId)", "updated_at desc, id desc"),
    TITLE("title", "(title, id) > (:afterText, :afterId)", "title, id");

    private static final UUID SMALLEST = new UUID(0, 0);
    private static final UUID LARGEST = new UUID(-1, -1);

    private final String param;
    final String after;
    final String orderBy;

    BlobOrder(String param, String after, String orderBy) {
        this.param = param;
        this.after = after;
        this.orderBy = orderBy;
    }

    /** The order a {@code sort} parameter names; the default when absent; a 422 naming {@code /sort} when unknown. */
    public static BlobOrder parse(String param) {
        if (param == null || param.isBlank()) {
            return CREATED;
        }
        return Arrays.stream(values()).filter(o -> o.param.equals(param.trim())).findFirst()
                .orElseThrow(() -> ValidationException.of("/sort", "sort must be one of "
                        + Arrays.stream(values()).map(o -> o.param).collect(Collectors.joining(", "))));
    }

    /** The cursor's key of a listed blob (a title is encoded: it may hold any character). */
    String key(BlobSummary blob) {
        return switch (this) {
            case CREATED, NEWEST -> blob.id().toString();
            case RECENTLY_UPDATED -> blob.updatedAt() + "|" + blob.id();
            case TITLE -> Base64.getUrlEncoder().encodeToString(blob.title().getBytes(StandardCharsets.UTF_8)) + "|" + blob.id();
        };
    }

    /** The values of :afterId and, for the orders that use them, :afterTime or :afterText; the start without a cursor. */
    Map<String, Object> after(String key) {
        if (key == null) {
            return switch (this) {
                case CREATED -> Map.of("afterId", SMALLEST);
                case NEWEST -> Map.of("afterId", LARGEST);
                case RECENTLY_UPDATED -> Map.of("afterId", LARGEST, "afterTime", Timestamp.from(Instant.parse("9999-12-31T00:00:00Z")));
                case TITLE -> Map.of("afterId", SMALLEST, "afterText", "");
            };
        }
        try {
            int bar = key.lastIndexOf('|');
            UUID id = UUID.fromString(bar < 0 ? key : key.substring(bar + 1));
            return switch (this) {
                case CREATED, NEWEST -> Map.of("afterId", id);
                case RECENTLY_UPDATED -> Map.of("afterId", id, "afterTime", Timestamp.from(Instant.parse(key.substring(0, bar))));
                case TITLE -> Map.of("afterId", id, "afterText",
                        new String(Base64.getUrlDecoder().decode(key.substring(0, bar)), StandardCharsets.UTF_8));
            };
        } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw ValidationException.of("/cursor", "cursor is not one this server issued for sort=" + param);
        }
    }
}
