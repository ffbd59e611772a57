package studio.reyna.gateway.attachment;

import java.time.Instant;
import java.util.UUID;
import studio.reyna.state.attachment.Attachment;

/** An attachment as the API shows it. */
record AttachmentView(UUID id, UUID blobId, String filename, String contentType, long size, String sha256,
                      Instant createdAt) {
    static AttachmentView of(Attachment a) {
        return new AttachmentView(a.id(), a.blobId(), a.filename(), a.contentType(), a.size(), a.sha256(), a.createdAt());
    }
}
