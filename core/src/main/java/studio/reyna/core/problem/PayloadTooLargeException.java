package studio.reyna.core.problem;

public final class PayloadTooLargeException extends ProblemException {
    public PayloadTooLargeException(String detail) {
        super(413, "payload-too-large", "Payload too large", detail);
    }
}
