package studio.reyna.gateway.limit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token buckets, one per limit and key: in Redis, shared by every node, when a Redis URL is
 * given; else in this node's memory. Redis being away never fails a request: the node counts
 * on its own meanwhile (saying so once in the log, and once again when Redis is back), so a
 * client may get up to one budget per node until then.
 */
public final class TokenBuckets implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenBuckets.class);
    /** How often a node that could not reach Redis at all tries to connect again. */
    private static final Duration CONNECT_RETRY = Duration.ofSeconds(5);
    /** A request waits at most this for Redis before it is counted here instead. */
    private static final Duration REDIS_TIMEOUT = Duration.ofMillis(500);
    /**
     * After Redis failed to answer, requests are counted here for this long before Redis is asked
     * again: a Redis that hangs rather than refuses would otherwise cost every request the timeout.
     */
    private static final Duration PAUSE_AFTER_FAILURE = Duration.ofSeconds(5);

    /** One consumption: whether it was allowed, what is left, and when to come back. */
    public record Probe(boolean allowed, long remaining, long secondsToFull, long secondsToRetry) {
        static Probe of(ConsumptionProbe probe) {
            return new Probe(probe.isConsumed(), probe.getRemainingTokens(), seconds(probe.getNanosToWaitForReset()),
                    probe.isConsumed() ? 0 : Math.max(1, seconds(probe.getNanosToWaitForRefill())));
        }

        private static long seconds(long nanos) {
            return (nanos + 999_999_999L) / 1_000_000_000L;
        }
    }

    private final Cache<String, Bucket> local = Caffeine.newBuilder()
            .expireAfterAccess(Duration.ofMinutes(10)).maximumSize(1_000_000).build();
    private final RedisClient redis;
    private final String redisAddress;
    private final AtomicBoolean sharedDown = new AtomicBoolean(false);
    private volatile long askRedisAgainAt = System.nanoTime();
    private final Thread connector;
    private volatile boolean closed;
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile ProxyManager<byte[]> shared;

    private TokenBuckets(RedisURI redisUri, MeterRegistry metrics) {
        if (redisUri == null) {
            redis = null;
            redisAddress = null;
            connector = null;
        } else {
            redisUri.setTimeout(REDIS_TIMEOUT);
            redisAddress = redisUri.getHost() + ":" + redisUri.getPort();
            redis = RedisClient.create(redisUri);
            // Commands fail at once while the connection is down, rather than queue until it is back.
            redis.setOptions(ClientOptions.builder().autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .timeoutOptions(TimeoutOptions.enabled(REDIS_TIMEOUT))
                    .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build()).build());
            connector = Thread.ofPlatform().daemon().name("redis-connect").start(this::connectUntilConnected);
        }
        Gauge.builder("reyna.ratelimit.shared", () -> isShared() ? 1 : 0)
                .description("1 while connected to Redis, where rate limits are counted for all nodes; 0 while this node counts alone")
                .register(metrics);
    }

    /** Buckets in this node's memory only. */
    public static TokenBuckets local(MeterRegistry metrics) {
        return new TokenBuckets(null, metrics);
    }

    /** Buckets in Redis at {@code url} (redis://[password@]host:port[/db]), shared by every node. */
    public static TokenBuckets shared(String url, MeterRegistry metrics) {
        return new TokenBuckets(RedisURI.create(url), metrics);
    }

    /** Takes one token of {@code limit} for {@code key}. */
    public Probe take(RateLimit limit, String key) {
        return take(limit, key, 1);
    }

    /** Takes {@code tokens} tokens of {@code limit} for {@code key}: all of them, or none when too few are left. */
    public Probe take(RateLimit limit, String key, int tokens) {
        // The key names the limit's size too: a bucket kept in Redis keeps the configuration it was
        // made with, so after a change of REYNA_RATE_* the nodes start afresh instead of counting
        // against the old size until the old bucket expires.
        String id = limit.name() + ":" + limit.quota() + "/" + limit.window().toSeconds() + ":" + key;
        var remote = shared;
        if (remote != null && connection.isOpen() && System.nanoTime() - askRedisAgainAt >= 0) {
            try {
                var probe = remote.builder().build(("reyna:ratelimit:" + id).getBytes(StandardCharsets.UTF_8),
                        () -> configuration(limit)).tryConsumeAndReturnRemaining(tokens);
                if (sharedDown.compareAndSet(true, false)) {
                    log.info("Redis at {} answers again: rate limits are shared by all nodes again", redisAddress);
                }
                return Probe.of(probe);
            } catch (RuntimeException e) {
                askRedisAgainAt = System.nanoTime() + PAUSE_AFTER_FAILURE.toNanos();
                reportDown(e.getMessage());
            }
        } else if (remote != null && !connection.isOpen()) {
            reportDown("the connection is down");
        }
        return Probe.of(local.get(id, ignored -> Bucket.builder().addLimit(refilledOver(limit)).build())
                .tryConsumeAndReturnRemaining(tokens));
    }

    /**
     * True while this node is connected to Redis and Redis answered the last time it was asked, so
     * its limits are counted with the other nodes'. After an outage the client reconnects by
     * itself, backing off up to 30 s between attempts.
     */
    public boolean isShared() {
        var current = connection;
        return current != null && current.isOpen() && System.nanoTime() - askRedisAgainAt >= 0;
    }

    private static BucketConfiguration configuration(RateLimit limit) {
        return BucketConfiguration.builder().addLimit(refilledOver(limit)).build();
    }

    /** Full at the start; the quota comes back token by token over the window. */
    private static Bandwidth refilledOver(RateLimit limit) {
        return Bandwidth.builder().capacity(limit.quota()).refillGreedy(limit.quota(), limit.window()).build();
    }

    private void reportDown(String why) {
        if (sharedDown.compareAndSet(false, true)) {
            log.warn("Redis at {} does not answer ({}): this node counts rate limits on its own until it is back",
                    redisAddress, why);
        }
    }

    /** Connects once Redis can be reached; from then on the client reconnects by itself. */
    private void connectUntilConnected() {
        while (!closed) {
            try {
                var opened = redis.connect(ByteArrayCodec.INSTANCE);
                connection = opened;
                shared = Bucket4jLettuce.casBasedBuilder(opened)
                        .requestTimeout(REDIS_TIMEOUT)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build();
                if (sharedDown.compareAndSet(true, false)) {
                    log.info("Redis at {} answers: rate limits are shared by all nodes", redisAddress);
                }
                return;
            } catch (RuntimeException e) {
                reportDown(e.getMessage());
            }
            try {
                TimeUnit.MILLISECONDS.sleep(CONNECT_RETRY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        if (connector != null) {
            connector.interrupt();
        }
        if (connection != null) {
            connection.close();
        }
        if (redis != null) {
            redis.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
