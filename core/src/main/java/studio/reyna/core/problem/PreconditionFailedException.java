package studio.reyna.core.problem;

public final class PreconditionFailedException extends ProblemException {
    public PreconditionFailedException(String detail) {
        super(412, "precondition-failed", "Precondition failed", detail);
    }
}
