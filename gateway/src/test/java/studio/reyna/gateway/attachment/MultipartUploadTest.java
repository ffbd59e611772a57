package studio.reyna.gateway.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import studio.reyna.core.problem.BadRequestException;
import studio.reyna.core.problem.ValidationException;

class MultipartUploadTest {
    private static final String BOUNDARY = "----reyna7MA4YWxkTrZu0gW";

    /** Hands out at most {@code step} bytes per read, so boundaries fall across reads at every offset. */
    private static InputStream trickling(byte[] bytes, int step) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private static byte[] body(String before, byte[] file, String after) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(before.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(file);
        out.writeBytes(after.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static String filePart(String name) {
        return "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"\r\n"
                + "Content-Type: image/png\r\n\r\n";
    }

    private static byte[] readFile(MultipartUpload upload) throws IOException {
        var content = upload.open();
        byte[] bytes = content.bytes().readAllBytes();
        upload.finish();
        return bytes;
    }

    @Test
    void hands_on_exactly_the_file_however_the_body_is_cut_into_reads() throws IOException {
        // Bytes that look like the start of a boundary, but are not one, inside the file.
        byte[] file = ("x\r\n--" + BOUNDARY.substring(0, 10) + "y\r\n--\r\n" + "\r".repeat(100)).getBytes(StandardCharsets.UTF_8);
        byte[] body = body("preamble to ignore\r\n" + filePart("a.png"), file, "\r\n--" + BOUNDARY + "--\r\nepilogue");
        for (int step : new int[] {1, 2, 3, 7, 64, 100_000}) {
            var upload = new MultipartUpload(trickling(body, step), BOUNDARY);
            assertThat(readFile(upload)).as("read %d bytes at a time", step).isEqualTo(file);
        }
    }

    @Test
    void reads_a_file_larger_than_its_window_and_skips_fields_around_it() throws IOException {
        byte[] file = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(file);
        String field = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nsome text\r\n";
        byte[] body = body(field + filePart("big.bin"), file, "\r\n" + field + "--" + BOUNDARY + "--\r\n");
        var upload = new MultipartUpload(trickling(body, 4096), BOUNDARY);
        var content = upload.open();
        assertThat(content.filename()).isEqualTo("big.bin");
        assertThat(content.contentType()).isEqualTo("image/png");
        assertThat(content.bytes().readAllBytes()).isEqualTo(file);
        upload.finish();
    }

    @Test
    void reads_names_in_utf8_and_in_the_extended_form() throws IOException {
        byte[] body = body("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"naïve \\\"q\\\".txt\"\r\n\r\n",
                new byte[] {1}, "\r\n--" + BOUNDARY + "--");
        assertThat(new MultipartUpload(new ByteArrayInputStream(body), BOUNDARY).open().filename()).isEqualTo("naïve \"q\".txt");
        body = body("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"plain.txt\"; "
                + "filename*=UTF-8''%E2%82%AC.txt\r\n\r\n", new byte[] {1}, "\r\n--" + BOUNDARY + "--");
        assertThat(new MultipartUpload(new ByteArrayInputStream(body), BOUNDARY).open().filename()).isEqualTo("€.txt");
    }

    @Test
    void an_empty_file_is_a_file() throws IOException {
        byte[] body = body(filePart("empty"), new byte[0], "\r\n--" + BOUNDARY + "--\r\n");
        assertThat(readFile(new MultipartUpload(new ByteArrayInputStream(body), BOUNDARY))).isEmpty();
    }

    @Test
    void refuses_bodies_that_are_not_one_whole_file() {
        String end = "\r\n--" + BOUNDARY + "--\r\n";
        // No file part at all.
        byte[] fieldsOnly = body("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA", new byte[0], end);
        assertThatThrownBy(() -> new MultipartUpload(new ByteArrayInputStream(fieldsOnly), BOUNDARY).open())
                .isInstanceOf(ValidationException.class);
        // Two files.
        byte[] two = body(filePart("a"), new byte[] {1}, "\r\n" + filePart("b") + "B" + end);
        assertThatThrownBy(() -> readFile(new MultipartUpload(new ByteArrayInputStream(two), BOUNDARY)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("one file");
        // Cut off inside the file, and before any boundary.
        byte[] cut = body(filePart("a"), new byte[5000], "");
        assertThatThrownBy(() -> readFile(new MultipartUpload(new ByteArrayInputStream(cut), BOUNDARY)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("closing boundary");
        assertThatThrownBy(() -> new MultipartUpload(new ByteArrayInputStream(new byte[10]), BOUNDARY).open())
                .isInstanceOf(BadRequestException.class);
        // Headers that never end, a field too long to skip.
        byte[] endlessHeaders = body("--" + BOUNDARY + "\r\nX: " + "h".repeat(MultipartUpload.MAX_HEADER_BYTES), new byte[0], end);
        assertThatThrownBy(() -> new MultipartUpload(new ByteArrayInputStream(endlessHeaders), BOUNDARY).open())
                .isInstanceOf(BadRequestException.class).hasMessageContaining("headers");
        byte[] hugeField = body("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n"
                + "f".repeat(MultipartUpload.MAX_FIELD_BYTES + 10), new byte[0], "\r\n" + filePart("a") + end);
        assertThatThrownBy(() -> new MultipartUpload(new ByteArrayInputStream(hugeField), BOUNDARY).open())
                .isInstanceOf(BadRequestException.class).hasMessageContaining("longer than");
        // A boundary line followed by something other than a line break.
        byte[] broken = body("--" + BOUNDARY + "junk\r\n", new byte[0], end);
        assertThatThrownBy(() -> new MultipartUpload(new ByteArrayInputStream(broken), BOUNDARY).open())
                .isInstanceOf(BadRequestException.class).hasMessageContaining("boundary line");
    }

    @Test
    void takes_the_boundary_from_the_content_type() {
        assertThat(MultipartUpload.boundary("multipart/form-data; boundary=abc")).isEqualTo("abc");
        assertThat(MultipartUpload.boundary("multipart/form-data; charset=utf-8; boundary=\"a b:c\"")).isEqualTo("a b:c");
        assertThat(MultipartUpload.isMultipart("Multipart/Form-Data; boundary=x")).isTrue();
        assertThat(MultipartUpload.isMultipart("text/plain")).isFalse();
        assertThat(MultipartUpload.isMultipart(null)).isFalse();
        assertThatThrownBy(() -> MultipartUpload.boundary("multipart/form-data")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> MultipartUpload.boundary("multipart/form-data; boundary=" + "x".repeat(71)))
                .isInstanceOf(BadRequestException.class);
    }
}
