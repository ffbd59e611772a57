package studio.reyna.gateway.limit;

import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import studio.reyna.core.problem.TooManyRequestsException;
import studio.reyna.gateway.http.Caller;

/**
 * The rate limits of the HTTP API, checked before each request is handled: sign-up, sign-in and
 * refresh per client address (against password guessing), everything else per user (or per
 * address for public links), and blob creation per user on top. Every limited answer carries
 * {@code RateLimit-Policy} and {@code RateLimit} headers; a spent limit answers 429 with
 * {@code Retry-After}.
 */
public final class RequestLimits {
    private static final Pattern BLOB_CREATION = Pattern.compile("^/api/v1/buckets/[^/]+/blobs/?$");

    /** The limits; {@code enabled} false turns them all off (for benchmarks). */
    public record Settings(boolean enabled, RateLimit api, RateLimit blobCreation, RateLimit auth) {
    }

    private final Settings settings;
    private final TokenBuckets buckets;

    public RequestLimits(Settings settings, TokenBuckets buckets) {
        this.settings = settings;
        this.buckets = buckets;
    }

    /** A before-handler for {@code /api/v1/*}, run after authentication so the user is known. */
    public void check(Context ctx) {
        if (!settings.enabled() || "OPTIONS".equals(ctx.method().name())) {
            return;
        }
        var taken = new ArrayList<Taken>();
        var user = Caller.find(ctx);
        if (ctx.path().startsWith("/api/v1/auth/")) {
            taken.add(take(settings.auth(), "address:" + ctx.ip()));
        } else if (user == null) {
            taken.add(take(settings.api(), "address:" + ctx.ip()));
        } else {
            taken.add(take(settings.api(), "user:" + user));
            if ("POST".equals(ctx.method().name()) && BLOB_CREATION.matcher(ctx.path()).matches()) {
                taken.add(take(settings.blobCreation(), "user:" + user));
            }
        }
        tell(ctx, taken);
        refuseSpent(taken);
    }

    /**
     * For a request that creates {@code count} blobs at once (a batch): a token of the blob-creation
     * limit per blob, so batches do not multiply what single requests may create. A batch larger
     * than the whole allowance (30 a minute by default, 100 in a batch) takes all of it instead: it
     * waits until the allowance is full, then spends it, so it is possible at all, once per window.
     */
    public void takeBlobCreations(Context ctx, int count) {
        var user = Caller.find(ctx);
        if (!settings.enabled() || count == 0 || user == null) {
            return;
        }
        var limit = settings.blobCreation();
        var taken = List.of(new Taken(limit, buckets.take(limit, "user:" + user, (int) Math.min(count, limit.quota()))));
        tell(ctx, taken);
        refuseSpent(taken);
    }

    private static void refuseSpent(List<Taken> taken) {
        for (var one : taken) {
            if (!one.probe().allowed()) {
                throw new TooManyRequestsException(one.limit().name(), one.probe().secondsToRetry(), "at most "
                        + one.limit().quota() + " requests per " + one.limit().window().toSeconds() + " s ("
                        + one.limit().name() + "); try again in " + one.probe().secondsToRetry() + " s");
            }
        }
    }

    private Taken take(RateLimit limit, String key) {
        return new Taken(limit, buckets.take(limit, key));
    }

    /**
     * The headers of draft-ietf-httpapi-ratelimit-headers: the policies, and where the client stands
     * in each; added to those an earlier check of the same request told.
     */
    private static void tell(Context ctx, List<Taken> taken) {
        append(ctx, "RateLimit-Policy", String.join(", ", taken.stream().map(t -> t.limit().policyItem()).toList()));
        append(ctx, "RateLimit", String.join(", ", taken.stream().map(t -> "\"" + t.limit().name() + "\";r="
                + t.probe().remaining() + ";t=" + t.probe().secondsToFull()).toList()));
    }

    private static void append(Context ctx, String header, String items) {
        String told = ctx.res().getHeader(header);
        ctx.header(header, told == null ? items : told + ", " + items);
    }

    private record Taken(RateLimit limit, TokenBuckets.Probe probe) {
    }
}
