package studio.reyna.app;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A WebSocket peer that reads only when told to, as a frozen browser tab or a phone in a tunnel
 * does: its kernel still takes bytes (up to a receive buffer of the size asked for), nobody reads
 * them and nobody answers pings. Written over a plain socket because a WebSocket client library
 * reads and answers by itself.
 */
final class StalledPeer implements AutoCloseable {
    /** One frame from the server (servers do not mask). */
    record Frame(int opcode, byte[] payload) {
        static final int TEXT = 1;
        static final int CLOSE = 8;
        static final int PING = 9;

        JsonNode json() {
            return Api.JSON.readTree(new String(payload, UTF_8));
        }

        int closeCode() {
            return payload.length < 2 ? 1005 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }
    }

    private final Socket socket = new Socket();
    private final DataInputStream in;
    private final OutputStream out;

    StalledPeer(int port, int receiveBufferBytes) {
        try {
            socket.setReceiveBufferSize(receiveBufferBytes);
            connect(socket, port);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            String head = upgrade(port, in, out);
            if (!head.startsWith("HTTP/1.1 101")) {
                throw new AssertionError("the upgrade was refused: " + head);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asks for an upgrade that is to be refused: the answer's head and body. */
    static String refusal(int port) {
        try (var socket = new Socket()) {
            connect(socket, port);
            var in = new DataInputStream(socket.getInputStream());
            String head = upgrade(port, in, socket.getOutputStream());
            var length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
            byte[] body = new byte[length.find() ? Integer.parseInt(length.group(1)) : 0];
            in.readFully(body);
            return head + new String(body, UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void connect(Socket socket, int port) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
    }

    /** Sends the upgrade request; returns the head of the answer. */
    private static String upgrade(int port, DataInputStream in, OutputStream out) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        out.write(("GET /api/v1/ws HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(nonce) + "\r\n\r\n").getBytes(US_ASCII));
        var head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.readUnsignedByte());
        }
        return head.toString();
    }

    /** Sends one masked text frame, as every client must. */
    void send(ObjectNode message) {
        byte[] payload = Api.JSON.writeValueAsBytes(message);
        var frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xff);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i % 4]);
        }
        try {
            out.write(frame.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next frame, or null when the server has cut the connection. */
    Frame read() {
        try {
            int first = in.read();
            if (first < 0) {
                return null;
            }
            int second = in.readUnsignedByte();
            long length = second & 0x7f;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            byte[] payload = new byte[Math.toIntExact(length)];
            in.readFully(payload);
            return new Frame(first & 0x0f, payload);
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("nothing from the server within 10 s", e);
        } catch (EOFException e) {
            return null;
        } catch (IOException e) {
            // A reset is how a cut connection ends when unread bytes were discarded.
            return null;
        }
    }

    /** The next text message, skipping the server's pings; it must be of {@code type}. */
    JsonNode expect(String type) {
        for (Frame frame = read(); frame != null; frame = read()) {
            if (frame.opcode() == Frame.TEXT) {
                JsonNode message = frame.json();
                if (!type.equals(message.path("type").asString())) {
                    throw new AssertionError("expected a '" + type + "' message, got " + message);
                }
                return message;
            }
            if (frame.opcode() != Frame.PING) {
                throw new AssertionError("expected a '" + type + "' message, got a frame of opcode " + frame.opcode());
            }
        }
        throw new AssertionError("the connection ended while waiting for a '" + type + "' message");
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing a socket the server may have cut already
        }
    }
}
