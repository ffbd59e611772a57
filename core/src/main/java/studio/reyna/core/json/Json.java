package studio.reyna.core.json;

import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The one JSON configuration of the studio, so every component parses with the same limits. */
public final class Json {
    /** Deep enough for any real document, shallow enough that no recursive walk can overflow the stack. */
    public static final int MAX_NESTING_DEPTH = 256;

    private Json() {
    }

    /**
     * For JSON the studio wrote itself and reads back from the database: no size limits, since
     * PostgreSQL may print a stored document longer than it was received (jsonb adds spaces and
     * spells numbers out), and a lowered request limit must never make stored data unreadable.
     */
    public static JsonMapper newStoredMapper() {
        var constraints = StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH + 8)
                .maxStringLength(Integer.MAX_VALUE)
                .maxNumberLength(200_000)
                .maxDocumentLength(-1)
                .build();
        return configure(constraints);
    }

    /** For request bodies: documents larger than {@code maxDocumentBytes} are refused while being read. */
    public static JsonMapper newMapper(long maxDocumentBytes) {
        var constraints = StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING_DEPTH)
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, Math.max(maxDocumentBytes, 1_000_000)))
                .maxDocumentLength(maxDocumentBytes)
                .build();
        return configure(constraints);
    }

    private static JsonMapper configure(StreamReadConstraints constraints) {
        var factory = JsonFactory.builder()
                .streamReadConstraints(constraints)
                // {"a":1,"a":2} is ambiguous; refuse it instead of silently keeping one value.
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // Numbers are content: 0.1000000000000000000001 must come back as written, not as a double.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
    }
}
