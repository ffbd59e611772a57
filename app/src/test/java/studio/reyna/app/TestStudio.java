package studio.reyna.app;

import java.nio.file.Path;
import java.util.Map;
import studio.reyna.db.TestDatabase;

/**
 * One whole studio per test JVM, on the real PostgreSQL of the test machine (a fresh database),
 * listening on a free loopback port. Tests keep apart by using their own users. Public for the browser
 * tests in {@code studio.reyna.app.browser}.
 */
public final class TestStudio {
    private static Studio studio;

    private TestStudio() {
    }

    static synchronized Api api() {
        return new Api(port());
    }

    public static synchronized int port() {
        if (studio == null) {
            // Rate limits and quotas stay on (their headers and checks are part of every answer) but
            // high: all the test classes share a few users and one address. LimitsTest runs
            // studios of its own with low ones.
            var config = StudioConfig.read(Map.of("REYNA_DB_URL", TestDatabase.sharedJdbcUrl(), "REYNA_DB_POOL_SIZE", "8",
                            "REYNA_RATE_API_PER_MINUTE", "10000000", "REYNA_RATE_BLOB_CREATES_PER_MINUTE", "10000000",
                            "REYNA_RATE_AUTH_PER_MINUTE", "10000000", "REYNA_QUOTA_BLOBS", "100000000",
                            "REYNA_QUOTA_BUCKETS", "100000000",
                            // Processors would add blob.derived events to what the tests count; ProcessorsTest runs them.
                            "REYNA_ROLES", "api,relay"),
                    0, Path.of("target/unused-data"));
            studio = Studio.start(config);
            Runtime.getRuntime().addShutdownHook(new Thread(studio::close));
        }
        return studio.port();
    }
}
