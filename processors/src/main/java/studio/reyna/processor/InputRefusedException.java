package studio.reyna.processor;

/**
 * The input exceeds a limit of the processor (an attachment over the byte budget, an image over
 * the pixel budget). Deterministic: the same input is refused every time, so the event should
 * be ended rather than retried. Thrown before the oversized content is decoded.
 */
public final class InputRefusedException extends RuntimeException {
    public InputRefusedException(String message) {
        super(message);
    }
}
