package studio.reyna.core.problem;

public final class UnavailableException extends ProblemException {
    public UnavailableException(String detail) {
        super(503, "unavailable", "Service unavailable", detail);
    }
}
