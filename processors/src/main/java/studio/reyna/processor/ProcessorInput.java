package studio.reyna.processor;

import java.util.Objects;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * What a processor sees: the blob's data, the JSON Schema document its data was validated
 * against, and (for attachment events) one attachment.
 */
public record ProcessorInput(JsonNode data, JsonNode schemaDocument, Optional<AttachmentContent> attachment) {
    public ProcessorInput {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(schemaDocument, "schemaDocument");
        Objects.requireNonNull(attachment, "attachment");
    }

    /** A blob event: data and schema, no attachment. */
    public static ProcessorInput ofBlob(JsonNode data, JsonNode schemaDocument) {
        return new ProcessorInput(data, schemaDocument, Optional.empty());
    }
}
