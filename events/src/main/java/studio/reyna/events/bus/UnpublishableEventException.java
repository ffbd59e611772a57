package studio.reyna.events.bus;

/**
 * The bus can never take this event (it exceeds the bus's message size, say). Trying again would
 * hold up every event after it, so the relay skips it with an error in the log.
 */
public final class UnpublishableEventException extends RuntimeException {
    public UnpublishableEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
