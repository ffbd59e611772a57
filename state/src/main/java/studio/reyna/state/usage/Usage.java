package studio.reyna.state.usage;

import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.QuotaExceededException;

/**
 * What each user's content takes, against their quotas. The counts are kept by the database in
 * the statement that writes (see the migration {@code V7__usage_quotas.sql}); a write that may
 * grow them asks {@link #requireRoom} afterwards, in its own transaction, and is rolled back
 * whole when it went too far. The usage row stays locked by that write until it commits, so
 * concurrent writers of one owner are counted one after the other and never overshoot together.
 */
public final class Usage {
    /** The maxima of a user who has none of their own. */
    public record Limits(long blobs, long buckets, long bytes) {
    }

    /** One quota: what is used, and the most allowed. */
    public record Measure(long used, long max) {
    }

    /** A user's use of each quota. */
    public record Report(Measure blobs, Measure buckets, Measure bytes) {
    }

    /** Maxima to set for one user; a null keeps the present one, {@link #DEFAULT} goes back to the studio's default. */
    public record Override(Long blobs, Long buckets, Long bytes) {
        public static final long DEFAULT = -1;
    }

    private static final String REPORT = """
            select blobs, buckets, bytes,
                   coalesce(max_blobs, :blobs) as max_blobs, coalesce(max_buckets, :buckets) as max_buckets,
                   coalesce(max_bytes, :bytes) as max_bytes
            from user_usage where user_id = :user""";

    private final Jdbi jdbi;
    private final Limits defaults;

    public Usage(Jdbi jdbi, Limits defaults) {
        this.jdbi = jdbi;
        this.defaults = defaults;
    }

    /**
     * Called inside a writing transaction after the write: refuses it (403 quota-exceeded, and the
     * caller's transaction rolls back) when it added to a quota that now stands over its maximum.
     * Only quotas the write added to are checked, so anything that frees room always passes, even
     * for a user above a maximum an admin lowered.
     */
    public void requireRoom(Handle h, UUID ownerId, long addedBlobs, long addedBuckets, long addedBytes) {
        var report = read(h, ownerId);
        check("blobs", report.blobs(), addedBlobs, "blobs");
        check("buckets", report.buckets(), addedBuckets, "buckets");
        check("bytes", report.bytes(), addedBytes, "bytes of storage");
    }

    /**
     * Before a long write of at least {@code bytes} (a file streaming in): refuses it at once when
     * it cannot fit, rather than after it all arrived. Only a first look, taking no lock: others
     * may write meanwhile, and {@link #requireRoom} after the write decides.
     */
    public void requireRoomAhead(Handle h, UUID ownerId, long bytes) {
        if (bytes > 0) {
            var measure = read(h, ownerId).bytes();
            check("bytes", new Measure(measure.used() + bytes, measure.max()), bytes, "bytes of storage");
        }
    }

    private static void check(String limit, Measure measure, long added, String unit) {
        if (added > 0 && measure.used() > measure.max()) {
            long before = measure.used() - added;
            throw new QuotaExceededException(limit, before, measure.max(), "the " + limit + " quota of the owner is "
                    + measure.max() + " " + unit + "; " + before + " are used, and this would add " + added);
        }
    }

    /** The user with this email, whatever its case. */
    public java.util.Optional<UUID> userWithEmail(String email) {
        return jdbi.withHandle(h -> h.createQuery("select id from users where lower(email) = lower(:email)")
                .bind("email", email).mapTo(UUID.class).findOne());
    }

    public Report of(UUID userId) {
        return jdbi.withHandle(h -> read(h, userId));
    }

    /** Sets a user's own maxima (for an admin); answers the user's usage with them. */
    public Report override(UUID userId, Override maxima) {
        return jdbi.inTransaction(h -> {
            read(h, userId);
            h.createUpdate("""
                            update user_usage set
                                max_blobs = case when :setBlobs then cast(:blobs as bigint) else max_blobs end,
                                max_buckets = case when :setBuckets then cast(:buckets as bigint) else max_buckets end,
                                max_bytes = case when :setBytes then cast(:bytes as bigint) else max_bytes end
                            where user_id = :user""")
                    .bind("setBlobs", maxima.blobs() != null).bind("blobs", own(maxima.blobs()))
                    .bind("setBuckets", maxima.buckets() != null).bind("buckets", own(maxima.buckets()))
                    .bind("setBytes", maxima.bytes() != null).bind("bytes", own(maxima.bytes()))
                    .bind("user", userId).execute();
            return read(h, userId);
        });
    }

    /** The maximum stored for a user: null stands for the studio's default. */
    private static Long own(Long max) {
        return max == null || max == Override.DEFAULT ? null : max;
    }

    private Report read(Handle h, UUID userId) {
        return h.createQuery(REPORT)
                .bind("blobs", defaults.blobs()).bind("buckets", defaults.buckets()).bind("bytes", defaults.bytes())
                .bind("user", userId)
                .map((rs, ctx) -> new Report(
                        new Measure(rs.getLong("blobs"), rs.getLong("max_blobs")),
                        new Measure(rs.getLong("buckets"), rs.getLong("max_buckets")),
                        new Measure(rs.getLong("bytes"), rs.getLong("max_bytes"))))
                .findOne().orElseThrow(() -> new NotFoundException("there is no user " + userId));
    }
}
