package studio.reyna.app.browser;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.ScreenshotAnimations;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One browser context of {@link Browsers} — its own cookies and storage — with a page open in it. It
 * records the URL of every request (and WebSocket) any of its pages makes, every console error and
 * every uncaught page error. {@link #close()} fails if a request went anywhere but the studio on
 * loopback: the UI must make no external network requests. Console and page errors are asserted
 * with {@link #assertNoErrors()}, since a test may provoke some on purpose.
 */
public final class Session implements AutoCloseable {
    private static final Set<String> LOCAL_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]");
    /** URLs of these schemes never touch the network. */
    private static final Set<String> LOCAL_SCHEMES = Set.of("data", "blob", "about");
    private static final Pattern SCREENSHOT_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    private final BrowserContext context;
    private final Page page;
    // Playwright calls the handlers on the thread of the test, inside its own calls: no locking.
    private final List<String> requests = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private final Set<Page> watched = Collections.newSetFromMap(new IdentityHashMap<>());

    Session(Browser browser, Browsers.Device device, String baseUrl) {
        context = browser.newContext(new Browser.NewContextOptions()
                .setViewportSize(device.width, device.height)
                .setIsMobile(device.mobile)
                .setHasTouch(device.mobile)
                .setBaseURL(baseUrl)
                // Screenshots and dates the same on every machine.
                .setLocale("en-US")
                .setTimezoneId("UTC"));
        // A test waiting for something that never comes fails after 10 s rather than Playwright's 30;
        // assertions wait as long (their own default, 5 s, was exceeded once on a loaded machine).
        context.setDefaultTimeout(10_000);
        com.microsoft.playwright.assertions.PlaywrightAssertions.setDefaultAssertionTimeout(10_000);
        context.onRequest(request -> requests.add(request.url()));
        context.onConsoleMessage(message -> {
            if (message.type().equals("error")) {
                errors.add("console error: " + message.text() + " (" + message.location() + ")");
            }
        });
        context.onWebError(error -> errors.add("page error: " + error.error()));
        context.onPage(this::watch);
        page = context.newPage();
        watch(page);
    }

    /** WebSockets are not requests to Playwright: each page reports its own. */
    private void watch(Page p) {
        if (watched.add(p)) {
            p.onWebSocket(socket -> requests.add(socket.url()));
        }
    }

    /** The page opened with the session. */
    public Page page() {
        return page;
    }

    /** The browser context, for more pages, cookies, routes. */
    public BrowserContext context() {
        return context;
    }

    /** Every URL requested so far (documents, scripts, styles, images, fetches, WebSockets), in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** The console errors and uncaught page errors so far, in order. */
    public List<String> errors() {
        return List.copyOf(errors);
    }

    /** The requested URLs that went (or tried to go) anywhere but 127.0.0.1, localhost or [::1]. */
    public List<String> externalRequests() {
        return requests.stream().filter(url -> !isLocal(url)).toList();
    }

    public void assertNoExternalRequests() {
        var external = externalRequests();
        if (!external.isEmpty()) {
            throw new AssertionError("the page made requests to other hosts than the studio: " + external);
        }
    }

    public void assertNoErrors() {
        if (!errors.isEmpty()) {
            throw new AssertionError("the page reported errors:\n  " + String.join("\n  ", errors));
        }
    }

    /**
     * Saves what the page shows (its viewport, animations stopped) as {@code docs/screenshots/<name>.png}
     * in the repository, and returns that path.
     */
    public Path screenshot(String name) {
        return screenshot(name, new Page.ScreenshotOptions());
    }

    /** As {@link #screenshot(String)}, with options (say {@code setFullPage(true)}); their path is set here. */
    public Path screenshot(String name, Page.ScreenshotOptions options) {
        if (!SCREENSHOT_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a screenshot name is lower-case letters, digits, '.', '_' and '-': " + name);
        }
        var file = repositoryRoot().resolve("docs/screenshots").resolve(name + ".png");
        if (options.animations == null) {
            options.setAnimations(ScreenshotAnimations.DISABLED);
        }
        page.screenshot(options.setPath(file)); // creates docs/screenshots if need be
        return file;
    }

    /** Closes the context (and its pages), then fails if any request went beyond loopback. */
    @Override
    public void close() {
        context.close();
        assertNoExternalRequests();
    }

    /**
     * The directory with {@code mvnw}: Maven's {@code maven.multiModuleProjectDirectory} when the test JVM
     * has it, else the nearest such directory above the working directory (a module's, under surefire).
     */
    static Path repositoryRoot() {
        String fromMaven = System.getProperty("maven.multiModuleProjectDirectory");
        if (fromMaven != null && Files.isRegularFile(Path.of(fromMaven, "mvnw"))) {
            return Path.of(fromMaven).toAbsolutePath();
        }
        for (var dir = Path.of(System.getProperty("user.dir")).toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory with mvnw above " + System.getProperty("user.dir"));
    }

    static boolean isLocal(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            return false; // not a URL we can vouch for
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (LOCAL_SCHEMES.contains(scheme)) {
            return true;
        }
        return uri.getHost() != null && LOCAL_HOSTS.contains(uri.getHost().toLowerCase(Locale.ROOT));
    }
}
