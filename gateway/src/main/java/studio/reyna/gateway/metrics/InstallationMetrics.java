package studio.reyna.gateway.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.DiskSpaceMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.ToDoubleFunction;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator watches besides the requests: the JVM, the disk of the data directory, the
 * database's size, and the brief's measures of use (active users per day and month, accounts).
 * The database figures come from one query, made at most once per {@link #REFRESH} however often
 * Prometheus scrapes; a failed query leaves the last figures and is logged, never failing a scrape.
 */
public final class InstallationMetrics {
    static final Duration REFRESH = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(InstallationMetrics.class);

    private final Jdbi jdbi;
    private final Clock clock;
    private volatile Figures figures = new Figures(0, 0, 0, 0);
    private Instant nextRefresh = Instant.MIN;

    private record Figures(double databaseBytes, double dailyActive, double monthlyActive, double users) {
    }

    private InstallationMetrics(Jdbi jdbi, Clock clock) {
        this.jdbi = jdbi;
        this.clock = clock;
    }

    /**
     * @param dataDir the studio's data directory, whose disk is reported when it exists (the
     *                embedded PostgreSQL and nothing else lives there)
     */
    public static void register(MeterRegistry metrics, Jdbi jdbi, Path dataDir, Clock clock) {
        new JvmMemoryMetrics().bindTo(metrics);
        new JvmGcMetrics().bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ClassLoaderMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        new FileDescriptorMetrics().bindTo(metrics);
        if (dataDir != null && Files.isDirectory(dataDir)) {
            new DiskSpaceMetrics(dataDir.toFile()).bindTo(metrics);
        }
        var installation = new InstallationMetrics(jdbi, clock);
        installation.gauge(metrics, "reyna.database.size", "bytes", "size of the studio's PostgreSQL database", Figures::databaseBytes);
        installation.gauge(metrics, "reyna.users.active.daily", null,
                "users who signed in or refreshed a session in the last 24 hours", Figures::dailyActive);
        installation.gauge(metrics, "reyna.users.active.monthly", null,
                "users who signed in or refreshed a session in the last 30 days", Figures::monthlyActive);
        installation.gauge(metrics, "reyna.users", null, "accounts", Figures::users);
    }

    private void gauge(MeterRegistry metrics, String name, String unit, String description, ToDoubleFunction<Figures> figure) {
        var gauge = Gauge.builder(name, this, self -> figure.applyAsDouble(self.current())).description(description)
                .strongReference(true); // nothing else holds this object: a weak reference would read NaN after a GC
        (unit == null ? gauge : gauge.baseUnit(unit)).register(metrics);
    }

    private synchronized Figures current() {
        Instant now = clock.instant();
        if (now.isAfter(nextRefresh)) {
            nextRefresh = now.plus(REFRESH);
            try {
                figures = jdbi.withHandle(h -> h.createQuery("""
                                select pg_database_size(current_database()) as database_bytes,
                                       (select count(distinct user_id) from refresh_tokens
                                        where created_at > now() - interval '1 day') as daily,
                                       (select count(distinct user_id) from refresh_tokens
                                        where created_at > now() - interval '30 days') as monthly,
                                       (select count(*) from users) as users""")
                        .map((rs, ctx) -> new Figures(rs.getLong("database_bytes"), rs.getLong("daily"),
                                rs.getLong("monthly"), rs.getLong("users")))
                        .one());
            } catch (RuntimeException e) {
                log.warn("could not read the installation's figures for /metrics: {}", e.getMessage());
            }
        }
        return figures;
    }
}
