package studio.reyna.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.postgres.PostgresPlugin;

/** The connection pool and the Jdbi handle on it: the one way every module reaches PostgreSQL. */
public final class Database implements AutoCloseable {
    private final HikariDataSource dataSource;
    private final Jdbi jdbi;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbi = Jdbi.create(dataSource).installPlugin(new PostgresPlugin());
        // Statement errors must not carry bound values (password hashes, tokens, blob content) into logs.
        jdbi.getConfig(StatementExceptions.class).setMessageRendering(StatementExceptions.MessageRendering.NONE);
    }

    public static Database connect(String jdbcUrl, int maxPoolSize) {
        var config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(maxPoolSize);
        config.setPoolName("reyna");
        // Fail fast at start with the real cause (wrong host, password) instead of a later timeout.
        config.setInitializationFailTimeout(10_000);
        config.setConnectionTimeout(10_000);
        // PostgreSQL's error details quote row values ("Key (email)=(…)"): they must not reach logs or error reports.
        config.addDataSourceProperty("logServerErrorDetail", "false");
        return new Database(new HikariDataSource(config));
    }

    /** The pool reports its connections (in use, idle, pending, timeouts) as {@code hikaricp_*} meters. */
    public void measurePoolWith(io.micrometer.core.instrument.MeterRegistry metrics) {
        dataSource.setMetricRegistry(metrics);
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /** True when a connection can be had and answers a query. */
    public boolean isReachable() {
        try {
            return jdbi.withHandle(h -> h.createQuery("select 1").mapTo(Integer.class).one()) == 1;
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }
}
