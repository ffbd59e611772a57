package studio.reyna.db;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Turns either form operators write into a JDBC URL: {@code postgresql://user:pass@host:port/db}
 * (also {@code postgres://}) as most hosting providers hand it out, or a ready
 * {@code jdbc:postgresql://host:port/db?user=…} URL.
 */
public final class DatabaseUrl {
    private DatabaseUrl() {
    }

    public static String toJdbc(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("database URL is empty");
        }
        String trimmed = url.trim();
        if (trimmed.startsWith("jdbc:postgresql:")) {
            return trimmed;
        }
        if (!trimmed.startsWith("postgresql://") && !trimmed.startsWith("postgres://")) {
            throw new IllegalArgumentException(
                    "database URL must start with postgresql://, postgres:// or jdbc:postgresql://");
        }
        URI uri;
        try {
            uri = new URI(trimmed);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("database URL is not a valid URL: " + e.getReason());
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("database URL has no host");
        }
        var jdbc = new StringBuilder("jdbc:postgresql://").append(uri.getHost());
        if (uri.getPort() > 0) {
            jdbc.append(':').append(uri.getPort());
        }
        String path = uri.getRawPath();
        jdbc.append(path == null || path.isEmpty() ? "/postgres" : path);
        var params = new StringBuilder();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            String user = colon < 0 ? userInfo : userInfo.substring(0, colon);
            params.append("user=").append(encode(decode(user)));
            if (colon >= 0) {
                params.append("&password=").append(encode(decode(userInfo.substring(colon + 1))));
            }
        }
        if (uri.getRawQuery() != null) {
            params.append(params.isEmpty() ? "" : "&").append(uri.getRawQuery());
        }
        if (!params.isEmpty()) {
            jdbc.append('?').append(params);
        }
        return jdbc.toString();
    }

    /** Percent-decoding as URLs mean it: unlike form decoding, '+' stays '+'. */
    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
