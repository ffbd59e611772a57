package studio.reyna.app;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;
import studio.reyna.core.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How the commands that talk to a running studio reach it and sign in: {@code --url}, and a token
 * from {@code REYNA_TOKEN}, or {@code --email} with the password from {@code REYNA_PASSWORD} or
 * asked for on the terminal (never an option: it would show in the process list and the shell's history).
 */
final class StudioClient {
    static final JsonMapper JSON = Json.newStoredMapper();

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", description = "the studio (default: ${DEFAULT-VALUE})")
    String url;

    @Option(names = "--email", description = "sign in as this user (password from $REYNA_PASSWORD or asked for); "
            + "without it, $REYNA_TOKEN is the access token")
    String email;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** A command's failure that the user can act on: printed as it is, with exit status 1. */
    static final class Failure extends RuntimeException {
        Failure(String message) {
            super(message);
        }
    }

    URI uri(String pathAndQuery) {
        String base = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        try {
            return URI.create(base + pathAndQuery);
        } catch (IllegalArgumentException e) {
            throw new Failure("--url must be the studio's address, such as http://127.0.0.1:8080, not '" + url + "'");
        }
    }

    /** An access token: REYNA_TOKEN, or one from signing in with --email. */
    String token(Map<String, String> environment) throws IOException, InterruptedException {
        if (email == null) {
            String token = environment.get("REYNA_TOKEN");
            if (token == null || token.isBlank()) {
                throw new Failure("sign in with --email (password from $REYNA_PASSWORD or the terminal), or set $REYNA_TOKEN");
            }
            return token.strip();
        }
        String password = environment.get("REYNA_PASSWORD");
        if (password == null) {
            var console = System.console();
            if (console == null) {
                throw new Failure("no password: set $REYNA_PASSWORD, or run the command on a terminal to be asked for it");
            }
            char[] typed = console.readPassword("password for %s: ", email);
            if (typed == null) {
                throw new Failure("no password was typed");
            }
            password = new String(typed);
        }
        var body = JSON.createObjectNode().put("email", email).put("password", password);
        var response = http.send(HttpRequest.newBuilder(uri("/api/v1/auth/login")).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new Failure("signing in failed: " + problem(response.statusCode(), response.body()));
        }
        return JSON.readTree(response.body()).get("accessToken").asString();
    }

    /** A problem document the studio answered, as lines for people: the detail, then each field at fault. */
    static String problem(int status, String body) {
        JsonNode problem;
        try {
            problem = JSON.readTree(body);
        } catch (RuntimeException e) {
            return "HTTP " + status;
        }
        var text = new StringBuilder(problem.path("detail").asString("HTTP " + status));
        for (var error : problem.path("errors")) {
            text.append(System.lineSeparator()).append("  ").append(error.path("pointer").asString())
                    .append(": ").append(error.path("message").asString());
        }
        return text.toString();
    }
}
