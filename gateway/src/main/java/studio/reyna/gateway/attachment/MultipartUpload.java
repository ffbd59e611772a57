package studio.reyna.gateway.attachment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import studio.reyna.core.problem.BadRequestException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.attachment.Upload;

/**
 * A file sent as a {@code multipart/form-data} body (RFC 7578), read as it arrives: the part's
 * bytes are handed on as they come, with only a small window kept back to recognise the boundary
 * that ends them. One part must carry a file (a {@code filename} in its {@code Content-Disposition});
 * form fields before or after it are skipped (each at most {@link #MAX_FIELD_BYTES}); a second file
 * is refused.
 */
final class MultipartUpload implements Upload {
    static final int MAX_HEADER_BYTES = 16 * 1024;
    static final int MAX_FIELD_BYTES = 64 * 1024;
    private static final int BUFFER_BYTES = 64 * 1024;

    private final InputStream in;
    /** CRLF "--" boundary: what ends every part. */
    private final byte[] delimiter;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private int pos;
    private int lim;
    private boolean ended;
    private boolean fileEnded;

    MultipartUpload(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        // The first boundary has no CRLF before it; pretending one is there lets one search find them all.
        buffer[0] = '\r';
        buffer[1] = '\n';
        lim = 2;
    }

    /** The boundary of a {@code multipart/form-data} content type; 400 when it is missing or not one RFC 2046 allows. */
    static String boundary(String contentType) {
        String boundary = ContentDisposition.parameters(contentType).get("boundary");
        if (boundary == null || !boundary.matches("^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$")) {
            throw new BadRequestException("multipart/form-data needs a boundary parameter of 1 to 70 characters (RFC 2046)");
        }
        return boundary;
    }

    static boolean isMultipart(String contentType) {
        return contentType != null
                && contentType.split(";")[0].strip().toLowerCase(Locale.ROOT).equals("multipart/form-data");
    }

    @Override
    public Content open() throws IOException {
        skipToDelimiter("the text before the first part");
        while (nextPartFollows()) {
            var headers = headers();
            String disposition = headers.get("content-disposition");
            var parameters = disposition == null ? Map.<String, String>of() : ContentDisposition.parameters(disposition);
            if (parameters.containsKey("filename") || parameters.containsKey("filename*")) {
                return new Content(ContentDisposition.filename(disposition), headers.get("content-type"), new PartStream());
            }
            skipToDelimiter("a form field");
        }
        throw ValidationException.of("/file", "the multipart body has no file part (a part whose Content-Disposition has a filename)");
    }

    @Override
    public void finish() throws IOException {
        if (!fileEnded) {
            throw new IllegalStateException("finish() before the file's bytes were read to their end");
        }
        while (nextPartFollows()) {
            var headers = headers();
            String disposition = headers.get("content-disposition");
            if (disposition != null && (ContentDisposition.parameters(disposition).containsKey("filename")
                    || ContentDisposition.parameters(disposition).containsKey("filename*"))) {
                throw new BadRequestException("the multipart body has more than one file; send one file per request");
            }
            skipToDelimiter("a form field");
        }
        // What follows the closing boundary (the epilogue) means nothing; a little of it is read so
        // the connection can carry the next request.
        long epilogue = 0;
        while (epilogue <= MAX_FIELD_BYTES && fill(1)) {
            epilogue += lim - pos;
            pos = lim;
        }
    }

    /** After a delimiter: true when another part follows, false at the closing delimiter ("--"). */
    private boolean nextPartFollows() throws IOException {
        if (!fill(2)) {
            throw truncated();
        }
        if (buffer[pos] == '-' && buffer[pos + 1] == '-') {
            pos += 2;
            return false;
        }
        // Transport padding (spaces, tabs) may stand between the boundary and its line break.
        for (int padding = 0; fill(1) && (buffer[pos] == ' ' || buffer[pos] == '\t'); padding++) {
            if (padding > 256) {
                throw new BadRequestException("the multipart body has a malformed boundary line");
            }
            pos++;
        }
        if (!fill(2) || buffer[pos] != '\r' || buffer[pos + 1] != '\n') {
            throw new BadRequestException("the multipart body has a malformed boundary line");
        }
        pos += 2;
        return true;
    }

    /** The header section of a part, names in lower case (UTF-8: browsers send file names so). */
    private Map<String, String> headers() throws IOException {
        var headers = new HashMap<String, String>();
        int total = 0;
        while (true) {
            int end = find(new byte[] {'\r', '\n'}, MAX_HEADER_BYTES - total);
            if (end < 0 || (total += end - pos + 2) > MAX_HEADER_BYTES) {
                throw new BadRequestException("a part's headers are longer than " + MAX_HEADER_BYTES + " bytes or never end");
            }
            String line = new String(buffer, pos, end - pos, StandardCharsets.UTF_8);
            pos = end + 2;
            if (line.isEmpty()) {
                return headers;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new BadRequestException("a part has a malformed header line");
            }
            headers.putIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
    }

    /** Drops bytes up to and including the next delimiter; {@code what} may be at most {@link #MAX_FIELD_BYTES}. */
    private void skipToDelimiter(String what) throws IOException {
        long skipped = 0;
        while (true) {
            int at = find(delimiter, Integer.MAX_VALUE);
            if (at >= 0) {
                skipped += at - pos;
                pos = at + delimiter.length;
                break;
            }
            if (!fill(delimiter.length + 1)) {
                throw truncated();
            }
            int safe = lim - pos - (delimiter.length - 1);
            skipped += safe;
            pos += safe;
            if (skipped > MAX_FIELD_BYTES) {
                throw new BadRequestException(what + " is longer than " + MAX_FIELD_BYTES + " bytes");
            }
        }
        if (skipped > MAX_FIELD_BYTES) {
            throw new BadRequestException(what + " is longer than " + MAX_FIELD_BYTES + " bytes");
        }
    }

    /**
     * The index of {@code pattern} at or after {@code pos}, reading more as needed while fewer than
     * {@code within} bytes were searched; -1 when not found within them (or the body ended).
     */
    private int find(byte[] pattern, int within) throws IOException {
        int searched = 0;
        while (true) {
            int at = indexOf(pattern, pos + Math.max(0, searched - pattern.length + 1), lim);
            if (at >= 0) {
                return at;
            }
            searched = lim - pos;
            if (searched >= within || searched >= buffer.length || !fill(searched + 1)) {
                return -1;
            }
        }
    }

    private int indexOf(byte[] pattern, int from, int to) {
        outer:
        for (int i = from; i <= to - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (buffer[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Makes at least {@code need} unread bytes available; false when the body ends first. */
    private boolean fill(int need) throws IOException {
        if (lim - pos >= need) {
            return true;
        }
        if (pos > 0) {
            System.arraycopy(buffer, pos, buffer, 0, lim - pos);
            lim -= pos;
            pos = 0;
        }
        while (lim < need && !ended) {
            int n = in.read(buffer, lim, buffer.length - lim);
            if (n < 0) {
                ended = true;
            } else {
                lim += n;
            }
        }
        return lim - pos >= need;
    }

    private static BadRequestException truncated() {
        return new BadRequestException("the multipart body ended before its closing boundary");
    }

    /** The file part's bytes: everything up to the next delimiter. */
    private final class PartStream extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (fileEnded) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (!fill(delimiter.length)) {
                throw truncated();
            }
            int at = indexOf(delimiter, pos, lim);
            if (at == pos) {
                pos += delimiter.length;
                fileEnded = true;
                return -1;
            }
            // Bytes that could be the start of a delimiter are kept back until more arrive.
            int available = at >= 0 ? at - pos : lim - pos - (delimiter.length - 1);
            int n = Math.min(len, available);
            System.arraycopy(buffer, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
