package studio.reyna.core.problem;

/** The request is fine but cannot be served right now (busy, or a store unreachable); try again later. */
public final class UnavailableException extends ProblemException {
    private final int retryAfterSeconds;

    public UnavailableException(String detail, int retryAfterSeconds) {
        super(503, "unavailable", "Service unavailable", detail);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
