package studio.reyna.core.problem;

public final class BadRequestException extends ProblemException {
    public BadRequestException(String detail) {
        super(400, "bad-request", "Bad request", detail);
    }
}
