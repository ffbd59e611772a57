package studio.reyna.core.problem;

public final class ConflictException extends ProblemException {
    public ConflictException(String detail) {
        super(409, "conflict", "Conflict", detail);
    }
}
