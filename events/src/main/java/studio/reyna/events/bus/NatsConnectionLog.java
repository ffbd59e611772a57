package studio.reyna.events.bus;

import io.nats.client.Connection;
import io.nats.client.ConnectionListener;
import io.nats.client.Consumer;
import io.nats.client.ErrorListener;
import io.nats.client.JetStreamSubscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reports what happens to the NATS connection through slf4j (jnats would use java.util.logging). */
final class NatsConnectionLog implements ConnectionListener, ErrorListener {
    private static final Logger log = LoggerFactory.getLogger(NatsEventBus.class);

    private final String displayUrl;

    NatsConnectionLog(String displayUrl) {
        this.displayUrl = displayUrl;
    }

    @Override
    public void connectionEvent(Connection connection, Events type) {
        switch (type) {
            case DISCONNECTED -> log.warn("Lost the connection to NATS at {}; reconnecting", displayUrl);
            case RECONNECTED, RESUBSCRIBED -> log.info("NATS at {}: {}", displayUrl, type.getEvent());
            default -> log.debug("NATS at {}: {}", displayUrl, type.getEvent());
        }
    }

    @Override
    public void errorOccurred(Connection connection, String error) {
        log.warn("NATS at {} reported: {}", displayUrl, error);
    }

    @Override
    public void exceptionOccurred(Connection connection, Exception exception) {
        log.warn("NATS client error (connection to {})", displayUrl, exception);
    }

    @Override
    public void slowConsumerDetected(Connection connection, Consumer consumer) {
        log.warn("A subscriber of NATS at {} fell behind and lost messages; its consumer restarts after the last one handled", displayUrl);
    }

    @Override
    public void heartbeatAlarm(Connection connection, JetStreamSubscription subscription,
                               long lastStreamSequence, long lastConsumerSequence) {
        log.info("No heartbeat from NATS at {} for subscription {}; recreating its consumer after stream sequence {}",
                displayUrl, subscription.getSubject(), lastStreamSequence);
    }
}
