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
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator watches besides the requests: the JVM, the disk of the data directory, the
 * database's size, and the brief's measures of use (active users per day and month, accounts).
 * The database figures come from one query (at most five seconds) that a thread of their own makes
 * every {@link #REFRESH}; a scrape only reads the last figures, so a slow or unreachable database
 * never slows or fails it. A failed query leaves the last figures and is logged.
 */
public final class InstallationMetrics implements AutoCloseable {
    static final Duration REFRESH = Duration.ofSeconds(30);
    private static final Logger log = LoggerFactory.getLogger(InstallationMetrics.class);

    private final Jdbi jdbi;
    private volatile Figures figures = new Figures(0, 0, 0, 0);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final java.util.concurrent.ScheduledExecutorService refresher =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("installation-metrics").daemon().factory());

    private record Figures(double databaseBytes, double dailyActive, double monthlyActive, double users) {
    }

    private InstallationMetrics(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /**
     * @param dataDir the studio's data directory, whose disk is reported when it exists (the
     *                embedded PostgreSQL and nothing else lives there)
     * @return what stops the refreshing and unhooks the GC listener
     */
    public static InstallationMetrics register(MeterRegistry metrics, Jdbi jdbi, Path dataDir) {
        var installation = new InstallationMetrics(jdbi);
        new JvmMemoryMetrics().bindTo(metrics);
        installation.gc.bindTo(metrics);
        new JvmThreadMetrics().bindTo(metrics);
        new ClassLoaderMetrics().bindTo(metrics);
        new ProcessorMetrics().bindTo(metrics);
        new UptimeMetrics().bindTo(metrics);
        new FileDescriptorMetrics().bindTo(metrics);
        if (dataDir != null && Files.isDirectory(dataDir)) {
            new DiskSpaceMetrics(dataDir.toFile()).bindTo(metrics);
        }
        installation.gauge(metrics, "reyna.database.size", "bytes", "size of the studio's PostgreSQL database", Figures::databaseBytes);
        installation.gauge(metrics, "reyna.users.active.daily", null,
                "users who signed in or refreshed a session in the last 24 hours", Figures::dailyActive);
        installation.gauge(metrics, "reyna.users.active.monthly", null,
                "users who signed in or refreshed a session in the last 30 days", Figures::monthlyActive);
        installation.gauge(metrics, "reyna.users", null, "accounts", Figures::users);
        installation.refresher.scheduleWithFixedDelay(installation::refresh, 0, REFRESH.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        return installation;
    }

    private void gauge(MeterRegistry metrics, String name, String unit, String description, ToDoubleFunction<Figures> figure) {
        var gauge = Gauge.builder(name, this, self -> figure.applyAsDouble(self.figures)).description(description)
                .strongReference(true); // the gauges must not read NaN should nothing else keep this object
        (unit == null ? gauge : gauge.baseUnit(unit)).register(metrics);
    }

    private void refresh() {
        try {
            figures = jdbi.inTransaction(h -> {
                h.execute("set local statement_timeout = 5000");
                return h.createQuery("""
                                select pg_database_size(current_database()) as database_bytes,
                                       (select count(distinct user_id) from refresh_tokens
                                        where created_at > now() - interval '1 day') as daily,
                                       (select count(distinct user_id) from refresh_tokens
                                        where created_at > now() - interval '30 days') as monthly,
                                       (select count(*) from users) as users""")
                        .map((rs, ctx) -> new Figures(rs.getLong("database_bytes"), rs.getLong("daily"),
                                rs.getLong("monthly"), rs.getLong("users")))
                        .one();
            });
        } catch (RuntimeException e) {
            log.warn("could not read the installation's figures for /metrics: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        gc.close();
    }
}
