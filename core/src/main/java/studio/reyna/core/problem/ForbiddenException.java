package studio.reyna.core.problem;

public final class ForbiddenException extends ProblemException {
    public ForbiddenException(String detail) {
        super(403, "forbidden", "Forbidden", detail);
    }
}
