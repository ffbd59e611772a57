package studio.reyna.gateway.limit;

import java.time.Duration;

/**
 * A rate limit: {@code quota} requests per {@code window} for one key (a user, an address). The
 * tokens come back steadily over the window, so a client that spent them all waits for one, not
 * for the whole window.
 */
public record RateLimit(String name, long quota, Duration window) {
    public RateLimit {
        if (quota < 1 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("a rate limit needs a quota ≥ 1 and a positive window");
        }
    }

    /** This limit as an item of the {@code RateLimit-Policy} header (IETF draft-ietf-httpapi-ratelimit-headers). */
    String policyItem() {
        return "\"" + name + "\";q=" + quota + ";w=" + window.toSeconds();
    }
}
