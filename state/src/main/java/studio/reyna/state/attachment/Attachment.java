package studio.reyna.state.attachment;

import java.time.Instant;
import java.util.UUID;

/** A file attached to a blob: what it is called, its media type, size and SHA-256 (hex). */
public record Attachment(UUID id, UUID blobId, String filename, String contentType, long size, String sha256,
                         Instant createdAt) {
}
