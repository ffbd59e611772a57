package studio.reyna.app.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import studio.reyna.app.browser.Browsers.Device;

/** The fixture itself: it must see what it promises to catch, or a silent browser test proves nothing. */
class BrowsersTest {
    // A phone lays out a page without a viewport meta tag 980 px wide, like a real one.
    private static final String HEAD = "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<link rel=\"icon\" href=\"data:,\">";
    private static final Map<String, String> PAGES = Map.of(
            "/clean", "<!doctype html><title>clean</title>" + HEAD + "<p>nothing to see</p>",
            "/leaky", "<!doctype html><title>leaky</title>" + HEAD
                    + "<img src=\"http://example.invalid/pixel.png\">"
                    + "<script>new WebSocket('ws://example.invalid/live');</script>",
            "/noisy", "<!doctype html><title>noisy</title>" + HEAD
                    + "<script>console.error('boom'); throw new Error('kaput');</script>");

    private static Browsers browsers;
    private static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String page = PAGES.get(exchange.getRequestURI().getPath());
            byte[] body = (page == null ? "not found" : page).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(page == null ? 404 : 200, body.length);
            try (var out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        browsers = Browsers.launch();
    }

    @AfterAll
    static void stop() {
        if (browsers != null) {
            browsers.close();
        }
        server.stop(0);
    }

    private static Session open(Device device) {
        return browsers.open(device, "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void aCleanPagePassesAtBothSizes() {
        for (var device : Device.values()) {
            try (var session = open(device)) {
                session.page().navigate("/clean");

                assertThat(session.page().title()).isEqualTo("clean");
                assertThat(session.page().evaluate("[innerWidth, innerHeight]"))
                        .isEqualTo(java.util.List.of(device.width, device.height));
                assertThat(session.page().evaluate("'ontouchstart' in window")).isEqualTo(device.mobile);
                assertThat(session.requests()).containsExactly(session.page().url());
                session.assertNoErrors();
                // localhost is the studio too
                session.page().navigate("http://localhost:" + server.getAddress().getPort() + "/clean");
                assertThat(session.page().title()).isEqualTo("clean");
            }
        }
    }

    @Test
    void requestsToOtherHostsFailTheSessionWhenItCloses() {
        var session = open(Device.DESKTOP);
        var failures = new java.util.ArrayList<String>();
        session.context().onRequestFailed(request -> failures.add(request.url() + " " + request.failure()));
        session.page().navigate("/leaky");
        session.page().waitForCondition(() -> session.externalRequests().size() == 2 && !failures.isEmpty());

        assertThat(session.externalRequests())
                .containsExactlyInAnyOrder("http://example.invalid/pixel.png", "ws://example.invalid/live");
        // Other host names do not resolve in these browsers: nothing leaves the machine.
        assertThat(failures).containsExactly("http://example.invalid/pixel.png net::ERR_NAME_NOT_RESOLVED");
        assertThatThrownBy(session::close).isInstanceOf(AssertionError.class)
                .hasMessageContaining("http://example.invalid/pixel.png");
    }

    @Test
    void consoleAndPageErrorsAreCollected() {
        try (var session = open(Device.PHONE)) {
            session.page().navigate("/noisy");

            assertThat(session.errors()).anySatisfy(error -> assertThat(error).contains("console error: boom"))
                    .anySatisfy(error -> assertThat(error).contains("page error: ").contains("kaput"));
            assertThatThrownBy(session::assertNoErrors).isInstanceOf(AssertionError.class).hasMessageContaining("kaput");
        }
    }

    @Test
    void loopbackAndInlineUrlsAreLocal() {
        assertThat(Session.isLocal("http://127.0.0.1:8080/app.js")).isTrue();
        assertThat(Session.isLocal("ws://localhost:8080/api/v1/live")).isTrue();
        assertThat(Session.isLocal("http://[::1]:8080/")).isTrue();
        assertThat(Session.isLocal("data:image/png;base64,AAAA")).isTrue();
        assertThat(Session.isLocal("blob:http://127.0.0.1:8080/1234")).isTrue();
        assertThat(Session.isLocal("https://fonts.googleapis.com/css")).isFalse();
        assertThat(Session.isLocal("http://127.0.0.1.example.org/")).isFalse();
        assertThat(Session.isLocal("not a url")).isFalse();
    }

    @Test
    void screenshotsGoToDocsScreenshotsAtTheRepositoryRoot() {
        var root = Session.repositoryRoot();

        assertThat(root.resolve("mvnw")).isRegularFile();
        assertThat(Files.isDirectory(root.resolve("app"))).isTrue();
        try (var session = open(Device.DESKTOP)) {
            assertThatThrownBy(() -> session.screenshot("../escape")).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
