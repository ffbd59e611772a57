package studio.reyna.app;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What a client sees on its connection after a body too large: written over a plain socket, as
 * an HTTP client library would hide whether the connection survived.
 */
class RefusedBodyTest {
    private static final int LIMIT = 10 * 1024 * 1024;
    private static final int PORT = TestStudio.port();
    private static final String TOKEN = TestStudio.api().register("refused").get("accessToken").asString();

    @Test
    void a_body_somewhat_over_the_limit_is_read_to_its_end_and_the_connection_stays_usable() throws Exception {
        try (var connection = new Connection()) {
            int length = LIMIT + 1024 * 1024;
            connection.sendHead("POST /api/v1/schemas", length);
            // Most of it, then a pause: the server must wait for the rest rather than stop early.
            connection.sendFiller(length - 4096);
            Thread.sleep(300);
            connection.sendFiller(4096);

            String refused = connection.readAnswer();
            assertThat(refused).startsWith("HTTP/1.1 413").doesNotContainIgnoringCase("connection: close");
            connection.out.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(US_ASCII));
            assertThat(connection.readAnswer()).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void a_body_far_over_the_limit_is_refused_unread_and_the_answer_says_the_connection_ends() throws Exception {
        try (var connection = new Connection()) {
            connection.sendHead("POST /api/v1/schemas", 3L * LIMIT);
            connection.sendFiller(64 * 1024);

            String refused = connection.readAnswer();
            assertThat(refused).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
        }
    }

    @Test
    void a_client_that_waits_for_100_continue_gets_the_refusal_before_it_sends_anything() throws Exception {
        try (var connection = new Connection()) {
            connection.out.write(("POST /api/v1/schemas HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + (2L * LIMIT)
                    + "\r\nExpect: 100-continue\r\n\r\n").getBytes(US_ASCII));

            String refused = connection.readAnswer();
            assertThat(refused).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
        }
    }

    @Test
    void json_nested_a_hundred_thousand_levels_deep_is_refused_and_the_studio_carries_on() {
        var api = TestStudio.api();
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        for (String body : List.of("{\"schemaId\":\"x\",\"data\":" + deep + "}", "{\"name\":\"deep\",\"schema\":" + deep + "}")) {
            var refused = api.call("POST", body.contains("schemaId") ? "/api/v1/buckets/" + UUID.randomUUID() + "/blobs" : "/api/v1/schemas",
                    TOKEN, "application/json", body, Map.of());
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().get("detail").asString()).contains("nest");
        }
        assertThat(api.get("/api/v1/me", TOKEN).status()).isEqualTo(200);
    }

    /** One HTTP/1.1 connection to the test studio, read and written by hand. */
    private static final class Connection implements AutoCloseable {
        private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length: (\\d+)");
        private final Socket socket = new Socket();
        private final DataInputStream in;
        private final OutputStream out;

        Connection() throws IOException {
            socket.connect(new InetSocketAddress("127.0.0.1", PORT), 5_000);
            socket.setSoTimeout(15_000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void sendHead(String requestLine, long contentLength) throws IOException {
            out.write((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n").getBytes(US_ASCII));
        }

        void sendFiller(int bytes) throws IOException {
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            for (int left = bytes; left > 0; left -= chunk.length) {
                out.write(chunk, 0, Math.min(left, chunk.length));
            }
            out.flush();
        }

        /** The head and body of one answer. */
        String readAnswer() throws IOException {
            var head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                head.append((char) in.readUnsignedByte());
            }
            var length = CONTENT_LENGTH.matcher(head);
            byte[] body = new byte[length.find() ? Integer.parseInt(length.group(1)) : 0];
            in.readFully(body);
            return head + new String(body, US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
