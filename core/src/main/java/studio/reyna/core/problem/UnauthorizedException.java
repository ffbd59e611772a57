package studio.reyna.core.problem;

public final class UnauthorizedException extends ProblemException {
    public UnauthorizedException(String detail) {
        super(401, "unauthorized", "Unauthorized", detail);
    }
}
