package studio.reyna.processor;

import java.io.IOException;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A built-in processor: derives data from one blob. Pure (no I/O but reading the input),
 * deterministic, and thread-safe, so one instance serves every event at once.
 *
 * <p>How {@link #derive} ends tells the runtime what to do with the event: a result is stored,
 * {@code null} means there is nothing to derive, an {@link InputRefusedException} means this
 * input can never be processed (do not retry), and an {@link IOException} is a failure to read
 * the input that a later attempt may not meet.
 */
public interface Processor {
    /** The stable name users address it by: {@code markdown}, {@code stats}, {@code tags}, {@code thumbnail}. */
    String name();

    /** One sentence for the catalogue. */
    String description();

    /** NATS-style subject patterns of the events it consumes, e.g. {@code blob.created.>}. */
    List<String> subjects();

    /** JSON Schema 2020-12 of its per-user settings; every property carries a {@code default}. A fresh copy on each call. */
    JsonNode settingsSchema();

    /** The defaults of {@link #settingsSchema()}, as an object. A fresh copy on each call. */
    JsonNode defaultSettings();

    /**
     * The derived result for this input and these settings (already validated against
     * {@link #settingsSchema()}, defaults applied); {@code null} when there is nothing to derive.
     *
     * @throws InputRefusedException when the input exceeds one of the processor's limits
     * @throws IOException when the input could not be read
     */
    JsonNode derive(ProcessorInput input, JsonNode settings) throws IOException;
}
