package studio.reyna.gateway.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Requests Jetty refuses before they reach a route (a malformed URI, a header too large) get a
 * problem document too, not Jetty's HTML page.
 */
final class JettyProblems extends ErrorHandler {
    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        // Jetty closes the connection after a request it refused this early; saying so keeps a
        // client from sending its next request down a connection that is about to go.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(body(code, request.getHttpURI().getPath())), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, Problems.CONTENT_TYPE);
        fields.put(HttpHeader.CONNECTION, "close");
        return ByteBuffer.wrap(body(status, null));
    }

    private static byte[] body(int status, String path) {
        String title = HttpStatus.getMessage(status);
        String instance = path == null ? "" : ",\"instance\":\"" + escape(path) + "\"";
        return ("{\"type\":\"urn:reyna:problem:http-" + status + "\",\"title\":\"" + escape(title) + "\",\"status\":" + status
                + ",\"detail\":\"the request was refused before it could be read: " + escape(title.toLowerCase()) + "\""
                + instance + "}").getBytes(StandardCharsets.UTF_8);
    }

    /** Enough JSON string escaping for paths and reason phrases (no control characters reach here unescaped). */
    private static String escape(String text) {
        var out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
