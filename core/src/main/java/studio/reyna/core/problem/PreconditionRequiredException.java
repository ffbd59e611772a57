package studio.reyna.core.problem;

public final class PreconditionRequiredException extends ProblemException {
    public PreconditionRequiredException(String detail) {
        super(428, "precondition-required", "Precondition required", detail);
    }
}
