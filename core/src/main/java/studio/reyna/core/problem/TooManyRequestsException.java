package studio.reyna.core.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/** 429: a rate limit is spent; the client may try again after {@code retryAfterSeconds}. */
public final class TooManyRequestsException extends ProblemException {
    private final String policy;
    private final long retryAfterSeconds;

    public TooManyRequestsException(String policy, long retryAfterSeconds, String detail) {
        super(429, "rate-limited", "Too many requests", detail);
        this.policy = policy;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** The name of the spent limit. */
    public String policy() {
        return policy;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    @Override
    public Map<String, Object> members() {
        var members = new LinkedHashMap<String, Object>();
        members.put("policy", policy);
        members.put("retryAfter", retryAfterSeconds);
        return members;
    }
}
