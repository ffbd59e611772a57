package studio.reyna.events.bus;

/** The bus cannot take an event now (not connected, timed out); the event stays queued in the log. */
public final class BusUnavailableException extends RuntimeException {
    public BusUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
