package studio.reyna.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A minimal WebSocket client (RFC 6455) over a plain {@link Socket}, just enough for the studio's
 * protocol: text messages, answering pings, and close. It exists because the load generators must
 * choose the source address of every socket (each loopback address 127.0.0.x brings its own ~28,000
 * ephemeral ports), which the JDK's WebSocket client cannot do. Blocking I/O, meant to be used from
 * one virtual thread per connection: {@link #receive()} from that thread only; {@link #send} may be
 * called from any thread.
 */
final class WebSocketConnection implements AutoCloseable {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_MESSAGE = 16 * 1024 * 1024;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private volatile int closeCode = -1;
    private volatile String closeReason = "";

    private WebSocketConnection(Socket socket, InputStream in) throws IOException {
        this.socket = socket;
        this.in = in;
        this.out = socket.getOutputStream();
    }

    /**
     * Connects to {@code ws://host:port/path} from {@code bindAddress} (any local port) and
     * completes the opening handshake.
     */
    static WebSocketConnection open(URI uri, String bindAddress, int timeoutMillis) throws IOException {
        var socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            if (bindAddress != null && !bindAddress.isEmpty()) {
                socket.bind(new InetSocketAddress(bindAddress, 0));
            }
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            byte[] nonce = new byte[16];
            ThreadLocalRandom.current().nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            String request = "GET " + uri.getRawPath() + " HTTP/1.1\r\n"
                    + "Host: " + uri.getHost() + ":" + uri.getPort() + "\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            var in = new BufferedInputStream(socket.getInputStream(), 2048);
            String head = readHead(in);
            if (!head.startsWith("HTTP/1.1 101")) {
                throw new IOException("handshake refused: " + head.lines().findFirst().orElse(head));
            }
            if (!head.toLowerCase().contains("sec-websocket-accept: " + accept(key).toLowerCase())) {
                throw new IOException("handshake answered with a wrong Sec-WebSocket-Accept");
            }
            return new WebSocketConnection(socket, in);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static String readHead(InputStream in) throws IOException {
        var head = new StringBuilder();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed during the handshake");
            }
            head.append((char) b);
            matched = (b == '\r' || b == '\n') && "\r\n\r\n".charAt(matched) == b ? matched + 1 : (b == '\r' ? 1 : 0);
            if (head.length() > 8192) {
                throw new IOException("handshake answer too long");
            }
        }
        return head.toString();
    }

    private static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How long {@link #receive()} may wait for a frame; 0 waits for ever. */
    void readTimeout(int millis) throws IOException {
        socket.setSoTimeout(millis);
    }

    void send(String text) throws IOException {
        sendFrame(0x1, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends one masked frame (clients must mask). */
    private synchronized void sendFrame(int opcode, byte[] payload) throws IOException {
        int length = payload.length;
        byte[] frame = new byte[2 + (length < 126 ? 0 : length < 65536 ? 2 : 8) + 4 + length];
        int i = 0;
        frame[i++] = (byte) (0x80 | opcode);
        if (length < 126) {
            frame[i++] = (byte) (0x80 | length);
        } else if (length < 65536) {
            frame[i++] = (byte) (0x80 | 126);
            frame[i++] = (byte) (length >>> 8);
            frame[i++] = (byte) length;
        } else {
            frame[i++] = (byte) (0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame[i++] = (byte) ((long) length >>> shift);
            }
        }
        int mask = ThreadLocalRandom.current().nextInt();
        byte[] maskBytes = {(byte) (mask >>> 24), (byte) (mask >>> 16), (byte) (mask >>> 8), (byte) mask};
        System.arraycopy(maskBytes, 0, frame, i, 4);
        i += 4;
        for (int j = 0; j < length; j++) {
            frame[i + j] = (byte) (payload[j] ^ maskBytes[j & 3]);
        }
        out.write(frame);
        out.flush();
    }

    /**
     * The next text message, answering pings on the way; null when the server closed the socket
     * (see {@link #closeCode()}).
     */
    String receive() throws IOException {
        byte[] message = null;
        int messageLength = 0;
        while (true) {
            int b0 = readByte();
            int b1 = readByte();
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            long length = b1 & 0x7F;
            if (length == 126) {
                length = (readByte() << 8) | readByte();
            } else if (length == 127) {
                length = 0;
                for (int k = 0; k < 8; k++) {
                    length = (length << 8) | readByte();
                }
            }
            if ((b1 & 0x80) != 0) {
                throw new IOException("the server sent a masked frame");
            }
            if (length > MAX_MESSAGE) {
                throw new IOException("frame of " + length + " bytes");
            }
            byte[] payload = in.readNBytes((int) length);
            if (payload.length < length) {
                throw new EOFException("connection closed inside a frame");
            }
            switch (opcode) {
                case 0x9 -> sendFrame(0xA, payload);
                case 0xA -> { }
                case 0x8 -> {
                    closeCode = payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
                    closeReason = payload.length > 2 ? new String(payload, 2, payload.length - 2, StandardCharsets.UTF_8) : "";
                    try {
                        sendFrame(0x8, payload.length >= 2 ? new byte[] {payload[0], payload[1]} : new byte[0]);
                    } catch (IOException ignored) {
                        // the server may already have gone
                    }
                    return null;
                }
                case 0x1, 0x2, 0x0 -> {
                    if (fin && message == null) {
                        return new String(payload, StandardCharsets.UTF_8);
                    }
                    if (message == null) {
                        message = new byte[Math.max(1024, payload.length * 2)];
                    }
                    if (messageLength + payload.length > message.length) {
                        message = java.util.Arrays.copyOf(message, Math.max(message.length * 2, messageLength + payload.length));
                    }
                    System.arraycopy(payload, 0, message, messageLength, payload.length);
                    messageLength += payload.length;
                    if (fin) {
                        return new String(message, 0, messageLength, StandardCharsets.UTF_8);
                    }
                }
                default -> throw new IOException("unknown opcode " + opcode);
            }
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed");
        }
        return b;
    }

    /** The close code the server sent, or -1 when it sent none (yet). */
    int closeCode() {
        return closeCode;
    }

    String closeReason() {
        return closeReason;
    }

    /** Closes the TCP connection at once (no close handshake: the benchmark is over). */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
