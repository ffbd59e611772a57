package studio.reyna.bench;

import java.io.IOException;
import java.net.URI;
import tools.jackson.databind.JsonNode;

/** Opens one socket and brings it to the state every benchmark needs: authenticated and subscribed to everything. */
final class Subscriber {
    private Subscriber() {
    }

    /**
     * Connect from {@code bindAddress}, {@code auth}, wait for {@code ready}, {@code subscribe},
     * wait for {@code subscribed}; each step bounded by {@code timeoutMillis}.
     */
    static WebSocketConnection open(URI uri, String bindAddress, String token, int timeoutMillis) throws IOException {
        var ws = WebSocketConnection.open(uri, bindAddress, timeoutMillis);
        try {
            ws.send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
            expect(ws, "ready");
            ws.send("{\"type\":\"subscribe\",\"id\":\"s\"}");
            expect(ws, "subscribed");
            return ws;
        } catch (IOException | RuntimeException e) {
            ws.close();
            throw e;
        }
    }

    private static void expect(WebSocketConnection ws, String type) throws IOException {
        String text = ws.receive();
        if (text == null) {
            throw new IOException("closed " + ws.closeCode() + " (" + ws.closeReason() + ") while waiting for " + type);
        }
        JsonNode message = StudioApi.JSON.readTree(text);
        if (!type.equals(message.path("type").asString(""))) {
            throw new IOException("expected " + type + ", got " + text);
        }
    }
}
