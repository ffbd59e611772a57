package studio.reyna.core.problem;

public final class NotFoundException extends ProblemException {
    public NotFoundException(String detail) {
        super(404, "not-found", "Not found", detail);
    }
}
