package studio.reyna.gateway.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Serves the web UI (the {@code reyna-web} module's files under {@code /web} on the classpath) at
 * {@code /}, and its libraries from their WebJars under {@code /webjars}. The pages may load
 * nothing from elsewhere: the Content-Security-Policy allows this origin only, plus the one inline
 * script of {@code index.html}, its import map, by hash.
 */
final class WebUi {
    private static final String DIRECTORY = "/web";
    private static final Pattern IMPORT_MAP = Pattern.compile("<script type=\"importmap\">(.*?)</script>", Pattern.DOTALL);

    private WebUi() {
    }

    static void serve(JavalinConfig config) {
        String policy = contentSecurityPolicy(importMapHash());
        config.staticFiles.add(files -> {
            files.hostedPath = "/";
            files.directory = DIRECTORY;
            files.location = Location.CLASSPATH;
            // Revalidated on every load (cheap with the ETag), so a new release shows at once.
            files.headers = Map.of("Cache-Control", "no-cache", "Content-Security-Policy", policy,
                    "X-Content-Type-Options", "nosniff", "Referrer-Policy", "no-referrer");
        });
        config.staticFiles.enableWebjars();
    }

    static String contentSecurityPolicy(String importMapHash) {
        return "default-src 'self'; script-src 'self' 'sha256-" + importMapHash + "'; style-src 'self' 'unsafe-inline'; "
                + "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                + "frame-ancestors 'none'; form-action 'self'";
    }

    private static String importMapHash() {
        try (var in = WebUi.class.getResourceAsStream(DIRECTORY + "/index.html")) {
            if (in == null) {
                throw new IllegalStateException("the web UI is missing from the classpath (" + DIRECTORY + "/index.html)");
            }
            var matcher = IMPORT_MAP.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            if (!matcher.find()) {
                throw new IllegalStateException(DIRECTORY + "/index.html has no import map");
            }
            var digest = MessageDigest.getInstance("SHA-256").digest(matcher.group(1).getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().encodeToString(digest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
