package studio.reyna.processor;

import java.io.InputStream;
import java.util.Objects;

/**
 * An attachment's metadata and a way to read its bytes. A processor opens the stream at most
 * once per call, closes it, and never reads more than its own byte budget from it.
 */
public record AttachmentContent(String filename, String contentType, long size, IOSupplier<InputStream> open) {
    public AttachmentContent {
        Objects.requireNonNull(filename, "filename");
        Objects.requireNonNull(contentType, "contentType");
        Objects.requireNonNull(open, "open");
    }
}
