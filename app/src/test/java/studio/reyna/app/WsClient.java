package studio.reyna.app;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** A WebSocket client of the real-time protocol, as a browser would use it (JDK client). */
final class WsClient implements AutoCloseable {
    private final LinkedBlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final WebSocket socket;
    private final StringBuilder partial = new StringBuilder();

    WsClient(int port) {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/api/v1/ws"), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            received.add(Api.JSON.readTree(partial.toString()));
                            partial.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
                        closeCode.complete(statusCode);
                        // Answer the close as browsers do, completing the handshake.
                        return webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "");
                    }

                    @Override
                    public void onError(WebSocket webSocket, Throwable error) {
                        closeCode.complete(-1);
                    }
                }).join();
    }

    /** Connects and authenticates; returns the client once {@code ready} arrived. */
    static WsClient signedIn(int port, String token) {
        var client = new WsClient(port);
        client.send(Api.JSON.createObjectNode().put("type", "auth").put("token", token));
        client.expect("ready");
        return client;
    }

    void send(ObjectNode message) {
        socket.sendText(Api.JSON.writeValueAsString(message), true).join();
    }

    void sendRaw(String text) {
        socket.sendText(text, true).join();
    }

    /** The next message, or null when none comes within {@code wait}. */
    JsonNode next(Duration wait) {
        try {
            return received.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The next message, which must be of {@code type} and come within 10 s. */
    JsonNode expect(String type) {
        JsonNode message = next(Duration.ofSeconds(10));
        if (message == null || !type.equals(message.path("type").asString())) {
            throw new AssertionError("expected a '" + type + "' message, got " + message);
        }
        return message;
    }

    /** The close code the server sent, waiting at most {@code wait}; null if still open. */
    Integer closeCode(Duration wait) {
        try {
            return closeCode.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            return null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }
}
