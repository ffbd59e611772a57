package studio.reyna.app.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Debian's Chromium ({@code /usr/bin/chromium}), headless and driven by Playwright, for tests of the
 * web UI against a real studio. Launching costs about a second, so a test class launches one in a
 * {@code @BeforeAll}, closes it in an {@code @AfterAll}, and gives each test a {@link Session} of its
 * own (a fresh browser context):
 *
 * <pre>{@code
 * try (var session = browsers.open(Device.PHONE, "http://127.0.0.1:" + TestStudio.port())) {
 *     session.page().navigate("/");
 *     session.screenshot("home-phone");
 *     session.assertNoErrors();
 * } // closing also fails the test if the page asked any host but the studio for anything
 * }</pre>
 *
 * Playwright never downloads a browser here, and a missing Chromium fails the test: the browser
 * tests are part of the suite like the ones needing PostgreSQL, never skipped.
 */
public final class Browsers implements AutoCloseable {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    static final List<String> CHROMIUM_ARGS = List.of(
            "--no-sandbox", // the tests run as root, where Chromium's sandbox refuses to start
            "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            // Every host name but the loopback ones fails to resolve: a request the UI must not make
            // fails at once (and is still recorded by the session) instead of reaching the network.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1");

    /** The viewports the UI is tested (and photographed) at. */
    public enum Device {
        DESKTOP(1280, 800, false),
        /** A phone held upright: mobile viewport meta tag honoured, touch events. */
        PHONE(375, 740, true);

        final int width;
        final int height;
        final boolean mobile;

        Device(int width, int height, boolean mobile) {
            this.width = width;
            this.height = height;
            this.mobile = mobile;
        }
    }

    private final Playwright playwright;
    private final Browser browser;

    private Browsers(Playwright playwright, Browser browser) {
        this.playwright = playwright;
        this.browser = browser;
    }

    /** Starts Playwright's driver and Chromium; fails (an AssertionError) if Chromium is not installed. */
    public static Browsers launch() {
        if (!Files.isExecutable(CHROMIUM)) {
            throw new AssertionError(CHROMIUM + " is missing: the browser tests need it;"
                    + " install Debian's chromium (bin/test does), e.g. apt-get install chromium");
        }
        long start = System.nanoTime();
        // The environment of Playwright's driver (a Node.js process): no browser download, ever, and no
        // check of the host for the libraries of Playwright's own browser builds (Debian's has its own).
        var playwright = Playwright.create(new Playwright.CreateOptions().setEnv(Map.of(
                "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1",
                "PLAYWRIGHT_SKIP_VALIDATE_HOST_REQUIREMENTS", "1")));
        long created = System.nanoTime();
        try {
            var browser = playwright.chromium().launch(new BrowserType.LaunchOptions()
                    .setExecutablePath(CHROMIUM)
                    .setHeadless(true)
                    .setArgs(CHROMIUM_ARGS));
            long launched = System.nanoTime();
            System.out.printf("Browsers: Playwright.create() %d ms, Chromium %s launch %d ms%n",
                    (created - start) / 1_000_000, browser.version(), (launched - created) / 1_000_000);
            return new Browsers(playwright, browser);
        } catch (RuntimeException | Error e) {
            playwright.close();
            throw e;
        }
    }

    /**
     * A fresh browser context (no cookies, no storage) at the device's viewport, with one page open;
     * {@code baseUrl} (say {@code http://127.0.0.1:port}) is what relative URLs in
     * {@code page().navigate("/")} resolve against.
     */
    public Session open(Device device, String baseUrl) {
        return new Session(browser, device, baseUrl);
    }

    @Override
    public void close() {
        try {
            browser.close();
        } finally {
            playwright.close();
        }
    }
}
