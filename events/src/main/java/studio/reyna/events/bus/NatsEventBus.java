package studio.reyna.events.bus;

import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.JetStream;
import io.nats.client.JetStreamApiException;
import io.nats.client.JetStreamManagement;
import io.nats.client.JetStreamSubscription;
import io.nats.client.JetStreamOptions;
import io.nats.client.Message;
import io.nats.client.Nats;
import io.nats.client.Options;
import io.nats.client.PublishOptions;
import io.nats.client.PullSubscribeOptions;
import io.nats.client.PushSubscribeOptions;
import io.nats.client.api.AckPolicy;
import io.nats.client.api.ConsumerConfiguration;
import io.nats.client.api.DeliverPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.event.Event;
import tools.jackson.core.JacksonException;

/**
 * The bus of many nodes: a NATS JetStream stream that keeps every event for {@code maxAge}.
 *
 * <p><b>Start-up fails fast.</b> {@link #start} connects once and throws {@link BusUnavailableException}
 * naming the URL if NATS cannot be reached within {@link #CONNECT_TIMEOUT}: a node configured for NATS
 * that silently ran without it would drop every other node's events, and the stream has to be created
 * or updated before the first publish anyway. After a successful start the connection reconnects
 * forever; meanwhile {@link #publish} throws {@link BusUnavailableException} at once (the relay retries
 * later) and subscriptions resume by themselves.
 *
 * <p>Publishing waits for the stream's acknowledgements (of a whole batch, sent at once), with the
 * event id as JetStream message id, so a retried publish within
 * {@link #DUPLICATE_WINDOW} is stored once. Each subscription is an ordered push consumer with its own
 * dispatcher thread: ordered because subscribers rely on publish order, and it recreates itself from
 * the last stream sequence it saw when heartbeats stop (NATS restarted, consumer lost). Only NATS 2.9
 * features are used (one filter subject per consumer, no 2.10 stream fields).
 *
 * <p>With a deployment prefix {@code p}, an event of subject {@code blob.created.note.u1} travels as
 * {@code p.blob.created.note.u1} and patterns are prefixed the same way; the envelope keeps the plain
 * subject, so subscribers never see the prefix.
 */
public final class NatsEventBus implements EventBus {
    public static final Duration DEFAULT_MAX_AGE = Duration.ofDays(7);
    static final List<String> SUBJECT_ROOTS = List.of("blob", "bucket", "schema", "share", "attachment");
    static final Duration DUPLICATE_WINDOW = Duration.ofMinutes(2);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    /** How long a publish waits for the stream's acknowledgement, and any JetStream API call for its answer. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    static final Duration RECONNECT_WAIT = Duration.ofSeconds(1);
    /** Idle heartbeat of a subscription; three missed ones make the ordered consumer recreate itself. */
    static final Duration SUBSCRIPTION_HEARTBEAT = Duration.ofSeconds(1);
    /** JSStreamNameExistErr; adding a stream that exists with the same configuration simply succeeds. */
    private static final int STREAM_EXISTS_WITH_OTHER_CONFIG = 10058;
    /** JSConsumerFilterNotSubsetErr: the pattern lies outside every subject of the stream. */
    private static final int FILTER_OUTSIDE_STREAM = 10093;
    /** JSConsumerNotFoundErr. */
    private static final int CONSUMER_NOT_FOUND = 10014;
    /** Events a work queue hands out before some are acknowledged: bounds what a dead node holds up. */
    private static final int WORK_QUEUE_MAX_UNACKNOWLEDGED = 10_000;
    private static final Pattern DURABLE_NAME = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final Logger log = LoggerFactory.getLogger(NatsEventBus.class);

    private final Connection connection;
    private final JetStream jetStream;
    private final JetStreamManagement management;
    private final String subjectPrefix;
    private final String streamName;
    private final EventCodec codec;
    private final String displayUrl;

    private NatsEventBus(Connection connection, String subjectPrefix, String streamName, EventCodec codec,
                         String displayUrl) throws IOException {
        var jetStreamOptions = JetStreamOptions.builder().requestTimeout(REQUEST_TIMEOUT).build();
        this.connection = connection;
        this.jetStream = connection.jetStream(jetStreamOptions);
        this.management = connection.jetStreamManagement(jetStreamOptions);
        this.subjectPrefix = subjectPrefix;
        this.streamName = streamName;
        this.codec = codec;
        this.displayUrl = displayUrl;
    }

    /**
     * Connects to {@code url} and creates the stream {@code streamName}, or updates it to this
     * configuration. {@code subjectPrefix} is the deployment prefix, empty for none.
     */
    public static NatsEventBus start(String url, String subjectPrefix, String streamName, Duration maxAge,
                                     EventCodec codec) {
        if (!subjectPrefix.isEmpty() && !PREFIX.matcher(subjectPrefix).matches()) {
            throw new IllegalArgumentException("Subject prefix '" + subjectPrefix
                    + "' must be dot-separated tokens of letters, digits, '_' or '-'");
        }
        String displayUrl = withoutCredentials(url);
        Connection connection = connect(url, displayUrl);
        boolean started = false;
        try {
            var bus = new NatsEventBus(connection, subjectPrefix, streamName, codec, displayUrl);
            bus.createOrUpdateStream(maxAge);
            started = true;
            return bus;
        } catch (IOException e) {
            throw new BusUnavailableException("NATS at " + displayUrl + " did not answer while creating stream "
                    + streamName, e);
        } catch (JetStreamApiException e) {
            throw new IllegalStateException("NATS at " + displayUrl + " refused to create or update stream "
                    + streamName + ": " + e.getMessage(), e);
        } finally {
            if (!started) {
                closeConnection(connection);
            }
        }
    }

    private static Connection connect(String url, String displayUrl) {
        var listener = new NatsConnectionLog(displayUrl);
        var options = Options.builder()
                .server(url)
                .connectionName("reyna-event-bus " + ManagementFactory.getRuntimeMXBean().getName())
                .connectionTimeout(CONNECT_TIMEOUT)
                .maxReconnects(-1)
                .reconnectWait(RECONNECT_WAIT)
                // Without a reconnect buffer a publish during an outage fails now instead of reaching the
                // stream later, after the relay was already told it failed.
                .reconnectBufferSize(0)
                // A dead peer that never closed the socket is noticed within about 30 s, not the default 4 min.
                .pingInterval(Duration.ofSeconds(10))
                .errorListener(listener)
                .connectionListener(listener)
                .build();
        try {
            return Nats.connect(options);
        } catch (IOException e) {
            // jnats names the servers it tried, user and password included: pass on only a cleaned copy.
            var reason = new IOException(withoutCredentials(String.valueOf(e.getMessage())), e.getCause());
            throw new BusUnavailableException("Cannot connect to NATS at " + displayUrl + " within "
                    + CONNECT_TIMEOUT.toSeconds() + " s", reason);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BusUnavailableException("Interrupted while connecting to NATS at " + displayUrl, e);
        }
    }

    private void createOrUpdateStream(Duration maxAge) throws IOException, JetStreamApiException {
        var config = StreamConfiguration.builder()
                .name(streamName)
                .subjects(SUBJECT_ROOTS.stream().map(root -> prefixed(root + ".>")).toList())
                .storageType(StorageType.File)
                .maxAge(maxAge)
                // The server refuses a duplicate window longer than the stream keeps messages.
                .duplicateWindow(DUPLICATE_WINDOW.compareTo(maxAge) < 0 ? DUPLICATE_WINDOW : maxAge)
                .build();
        try {
            management.addStream(config);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() != STREAM_EXISTS_WITH_OTHER_CONFIG) {
                throw e;
            }
            management.updateStream(config);
            log.info("Updated JetStream stream {} to subjects {}, max age {}", streamName, config.getSubjects(), maxAge);
        }
    }

    private PublishOptions publishOptions(Event event) {
        return PublishOptions.builder()
                .messageId(event.id().toString())
                .expectedStream(streamName)
                .streamTimeout(REQUEST_TIMEOUT)
                .build();
    }

    /**
     * Sends them all without waiting, then waits for the acknowledgements in order: one round trip
     * per batch instead of one per event. The prefix acknowledged is what was taken; should a later
     * one be stored while an earlier one failed (a timeout during an outage), the earlier one is
     * published again after it, so that, rarely, two events arrive out of order.
     */
    @Override
    public int publishAll(List<Event> events) {
        var acks = new ArrayList<java.util.concurrent.CompletableFuture<io.nats.client.api.PublishAck>>(events.size());
        RuntimeException stoppedBy = null;
        for (var event : events) {
            try {
                acks.add(jetStream.publishAsync(prefixed(event.subject()), codec.encode(event), publishOptions(event)));
            } catch (IllegalStateException e) {
                // Disconnected (nothing is buffered while reconnecting) or closed.
                stoppedBy = new BusUnavailableException("NATS at " + displayUrl + " did not take event " + event.id()
                        + ": " + e.getMessage(), e);
                break;
            } catch (IllegalArgumentException e) {
                // The client refuses a message over the server's maximum payload, now and always.
                stoppedBy = new UnpublishableEventException("NATS will never take event " + event.id() + ": "
                        + e.getMessage(), e);
                break;
            }
        }
        for (int i = 0; i < acks.size(); i++) {
            try {
                acks.get(i).get(REQUEST_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return takenOrThrow(i, new BusUnavailableException("Interrupted while publishing to NATS", e));
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                var cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
                return takenOrThrow(i, new BusUnavailableException("NATS at " + displayUrl + " did not take event "
                        + events.get(i).id() + ": " + cause.getMessage(), cause));
            }
        }
        return stoppedBy == null ? acks.size() : takenOrThrow(acks.size(), stoppedBy);
    }

    private static int takenOrThrow(int taken, RuntimeException failure) {
        if (taken == 0) {
            throw failure;
        }
        return taken;
    }

    /** One event: a batch of one, so both paths map the client's failures the same way. */
    @Override
    public void publish(Event event) {
        publishAll(List.of(event));
    }

    @Override
    public Subscription subscribe(String pattern, Consumer<Event> handler) {
        var safeHandler = new SafeHandler(pattern, handler);
        try {
            // A fixed start instead of DeliverPolicy.New: should the consumer be recreated before it saw a
            // single event, it restarts here and not at whatever is newest by then.
            long nextSequence = management.getStreamInfo(streamName).getStreamState().getLastSequence() + 1;
            var consumer = ConsumerConfiguration.builder()
                    .deliverPolicy(DeliverPolicy.ByStartSequence)
                    .startSequence(nextSequence)
                    .idleHeartbeat(SUBSCRIPTION_HEARTBEAT)
                    .build();
            var options = PushSubscribeOptions.builder().stream(streamName).ordered(true).configuration(consumer).build();
            // One dispatcher (one thread) per subscription, so that a slow handler delays only itself.
            Dispatcher dispatcher = connection.createDispatcher();
            try {
                jetStream.subscribe(prefixed(pattern), dispatcher, message -> deliver(message, safeHandler), false,
                        options);
            } catch (IOException | JetStreamApiException | RuntimeException e) {
                connection.closeDispatcher(dispatcher);
                throw e;
            }
            return new DispatcherSubscription(dispatcher);
        } catch (IOException | IllegalStateException e) {
            throw new BusUnavailableException("Cannot subscribe to " + pattern + " at NATS " + displayUrl
                    + ": " + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == FILTER_OUTSIDE_STREAM) {
                throw new IllegalArgumentException("Pattern " + pattern + " matches no subject of stream "
                        + streamName + " " + SUBJECT_ROOTS, e);
            }
            throw new IllegalStateException("NATS at " + displayUrl + " refused a subscription to " + pattern
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Opens (creating it on first use) the work queue {@code name}: per pattern a durable pull
     * consumer named {@code name-i}, with explicit acknowledgement, that starts after the newest
     * event in the stream when it is created and redelivers an event {@code redeliverAfter} after
     * it was handed out, for ever (the caller decides when to give up on one).
     */
    @Override
    public Optional<WorkQueue> workQueue(String name, List<String> patterns, Duration redeliverAfter) {
        if (!DURABLE_NAME.matcher(name).matches() || patterns.isEmpty()) {
            throw new IllegalArgumentException("A work queue needs a name of letters, digits, '_' and '-' and a pattern: "
                    + name + " " + patterns);
        }
        var consumers = new ArrayList<JetStreamSubscription>();
        try {
            for (int i = 0; i < patterns.size(); i++) {
                String durable = name + "-" + i;
                ensureConsumer(durable, prefixed(patterns.get(i)), redeliverAfter);
                consumers.add(jetStream.subscribe(null, PullSubscribeOptions.bind(streamName, durable)));
            }
        } catch (IOException | IllegalStateException e) {
            consumers.forEach(JetStreamSubscription::unsubscribe);
            throw new BusUnavailableException("Cannot open work queue " + name + " at NATS " + displayUrl + ": "
                    + e.getMessage(), e);
        } catch (JetStreamApiException e) {
            consumers.forEach(JetStreamSubscription::unsubscribe);
            throw new IllegalStateException("NATS at " + displayUrl + " refused work queue " + name + " " + patterns
                    + ": " + e.getMessage(), e);
        }
        return Optional.of(new NatsWorkQueue(List.copyOf(consumers), codec));
    }

    private void ensureConsumer(String durable, String filter, Duration ackWait) throws IOException, JetStreamApiException {
        if (consumerExists(durable)) {
            return;
        }
        long nextSequence = management.getStreamInfo(streamName).getStreamState().getLastSequence() + 1;
        var config = ConsumerConfiguration.builder()
                .durable(durable)
                .filterSubject(filter)
                .deliverPolicy(DeliverPolicy.ByStartSequence)
                .startSequence(nextSequence)
                .ackPolicy(AckPolicy.Explicit)
                .ackWait(ackWait)
                .maxDeliver(-1)
                .maxAckPending(WORK_QUEUE_MAX_UNACKNOWLEDGED)
                .build();
        try {
            management.addOrUpdateConsumer(streamName, config);
        } catch (JetStreamApiException e) {
            // Another node created it a moment ago, from a start of its own: theirs stands.
            if (!consumerExists(durable)) {
                throw e;
            }
        }
    }

    private boolean consumerExists(String durable) throws IOException, JetStreamApiException {
        try {
            management.getConsumerInfo(streamName, durable);
            return true;
        } catch (JetStreamApiException e) {
            if (e.getApiErrorCode() == CONSUMER_NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private void deliver(Message message, SafeHandler handler) {
        Event event;
        try {
            event = codec.decode(message.getData());
        } catch (JacksonException e) {
            log.warn("Skipping a message on {} that is not an event envelope", message.getSubject(), e);
            return;
        }
        handler.deliver(event);
    }

    /** Closes the connection at once: subscribers are live views that catch up from the event log. */
    @Override
    public void close() {
        closeConnection(connection);
    }

    private String prefixed(String subjectOrPattern) {
        return subjectPrefix.isEmpty() ? subjectOrPattern : subjectPrefix + "." + subjectOrPattern;
    }

    @Override
    public boolean isConnected() {
        return connection.getStatus() == Connection.Status.CONNECTED;
    }

    private static void closeConnection(Connection connection) {
        try {
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drops {@code user:password@} so that the URL can appear in messages and logs. */
    static String withoutCredentials(String url) {
        return url.replaceAll("(?<=://)[^/@]*@", "");
    }

    private final class DispatcherSubscription implements Subscription {
        private final Dispatcher dispatcher;
        private final AtomicBoolean closed = new AtomicBoolean();

        DispatcherSubscription(Dispatcher dispatcher) {
            this.dispatcher = dispatcher;
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                // Unsubscribes; the server then removes the ephemeral consumer.
                connection.closeDispatcher(dispatcher);
            } catch (IllegalStateException connectionClosed) {
                // The bus was closed first, which stopped every dispatcher already.
                log.debug("Subscription closed after its bus", connectionClosed);
            }
        }
    }
}
