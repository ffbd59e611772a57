package studio.reyna.state.attachment;

import java.io.IOException;
import java.io.InputStream;

/**
 * A file arriving in a request body, read once, as it comes. The edge knows how the body is framed
 * (a raw body, or one part of a multipart form); the attachments service reads the bytes and stores
 * them. An {@link IOException} while reading means the client went away or stopped sending.
 */
public interface Upload {
    /**
     * Reads as far as the start of the file's bytes and says what it is. Called only once the
     * caller may write to the blob, so nothing is read from a caller that would be refused.
     */
    Content open() throws IOException;

    /** Called once the content stream has ended: checks what follows the file (the end of a multipart body). */
    default void finish() throws IOException {
    }

    /** The file's name and media type as the client gave them (checked by the service), and its bytes. */
    record Content(String filename, String contentType, InputStream bytes) {
    }
}
