package studio.reyna.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import studio.reyna.core.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small HTTP client for the studio's API, as a real client would call it. */
final class Api {
    static final JsonMapper JSON = Json.newMapper(64L * 1024 * 1024);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    Api(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** One answer: status, headers and the body (parsed when it is JSON). */
    record Response(int status, Map<String, java.util.List<String>> headers, String text, JsonNode json) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().getFirst()).findFirst().orElse(null);
        }

        String contentType() {
            return header("content-type");
        }
    }

    Response call(String method, String path, String token, String contentType, String body, Map<String, String> headers) {
        var request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        headers.forEach(request::header);
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            var response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            String type = response.headers().firstValue("content-type").orElse("");
            JsonNode json = type.contains("json") && !response.body().isEmpty() ? JSON.readTree(response.body()) : null;
            return new Response(response.statusCode(), response.headers().map(), response.body(), json);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The answer's JSON, after asserting its status (with the body in the message when it differs). */
    static JsonNode expect(Response response, int status) {
        org.assertj.core.api.Assertions.assertThat(response.status()).as(response.text()).isEqualTo(status);
        return response.json();
    }

    Response get(String path, String token) {
        return call("GET", path, token, null, null, Map.of());
    }

    Response post(String path, String token, Object body) {
        return call("POST", path, token, "application/json", JSON.writeValueAsString(body), Map.of());
    }

    /** Registers a new user with a unique email and returns its session document. */
    JsonNode register(String name) {
        var response = post("/api/v1/auth/register", null, Map.of(
                "email", name + "-" + java.util.UUID.randomUUID() + "@example.org",
                "password", "correct horse battery staple", "displayName", name));
        if (response.status() != 201) {
            throw new AssertionError("register failed: " + response.status() + " " + response.text());
        }
        return response.json();
    }
}
