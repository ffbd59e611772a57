package studio.reyna.processor.runtime;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import studio.reyna.core.event.Event;
import studio.reyna.processor.AttachmentContent;
import studio.reyna.processor.Processor;
import studio.reyna.processor.ProcessorInput;
import studio.reyna.schema.Schemas;
import studio.reyna.state.access.Principal;
import studio.reyna.state.attachment.Attachments;
import studio.reyna.state.blob.Blob;
import studio.reyna.state.blob.Blobs;
import studio.reyna.state.processing.ProcessorSettings;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What a worker reads and writes around a processor: the blob as it is now, its schema, an
 * attachment's bytes, the owner's settings, and the derived result. Processors themselves never
 * touch the database.
 */
public final class ProcessingInputs {
    /** The most of an attachment a processor is given (a thumbnail of a larger file is not made). */
    static final long MAX_ATTACHMENT_BYTES = 32L << 20;

    private final Blobs blobs;
    private final Schemas schemas;
    private final Attachments attachments;
    private final ProcessorSettings settings;

    public ProcessingInputs(Blobs blobs, Schemas schemas, Attachments attachments, ProcessorSettings settings) {
        this.blobs = blobs;
        this.schemas = schemas;
        this.attachments = attachments;
        this.settings = settings;
    }

    /** The owner's configuration of the processor, defaults filled in; empty when they turned it off. */
    Optional<JsonNode> configFor(UUID ownerId, Processor processor) {
        var stored = settings.find(ownerId, processor.name());
        if (!enabled(stored)) {
            return Optional.empty();
        }
        return Optional.of(withDefaults(processor, stored.map(ProcessorSettings.Stored::config).orElse(null)));
    }

    /** Whether a processor runs for a user: yes, unless they turned it off. */
    public static boolean enabled(Optional<ProcessorSettings.Stored> stored) {
        return stored.map(ProcessorSettings.Stored::enabled).orElse(true);
    }

    /** The processor's defaults, overridden by what the user set. */
    public static JsonNode withDefaults(Processor processor, JsonNode config) {
        ObjectNode merged = (ObjectNode) processor.defaultSettings().deepCopy();
        if (config != null && config.isObject()) {
            config.properties().forEach(entry -> merged.set(entry.getKey(), entry.getValue()));
        }
        return merged;
    }

    /** The blobs these events are about, as they are now, by id (those gone are missing). */
    java.util.Map<UUID, Blob> blobs(java.util.List<Event> events) {
        return blobs.forProcessing(events.stream().map(Event::blobId).filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.toSet()));
    }

    /** The input of a processor for a blob (and, for an attachment event, that attachment). */
    ProcessorInput input(Blob blob, Event event) {
        JsonNode schema = schemas.compiled(blob.schemaId(), blob.schemaVersion()).version().document();
        return new ProcessorInput(blob.data(), schema, attachment(blob, event));
    }

    private Optional<AttachmentContent> attachment(Blob blob, Event event) {
        if (event.data() == null || !event.data().hasNonNull("attachmentId") || !event.type().startsWith("attachment.")) {
            return Optional.empty();
        }
        UUID attachmentId = UUID.fromString(event.data().get("attachmentId").asString());
        var download = attachments.open(Principal.user(blob.ownerId()), blob.id(), attachmentId);
        var attachment = download.attachment();
        return Optional.of(new AttachmentContent(attachment.filename(), attachment.contentType(), attachment.size(), () -> {
            if (attachment.size() > MAX_ATTACHMENT_BYTES) {
                throw new IOException("the attachment has " + attachment.size() + " bytes; processors read at most "
                        + MAX_ATTACHMENT_BYTES);
            }
            var bytes = new ByteArrayOutputStream((int) attachment.size());
            if (attachment.size() > 0) {
                download.write(0, attachment.size() - 1, bytes);
            }
            return new ByteArrayInputStream(bytes.toByteArray());
        }));
    }

    /** Stores the results of a batch, in one transaction (those for deleted blobs or older versions are dropped). */
    void writeDerived(java.util.List<Blobs.Derived> results) {
        blobs.writeDerived(results);
    }
}
