package studio.reyna.state.attachment;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the S3 objects that no attachment row refers to any more, listed in
 * {@code attachment_garbage}: those of deleted attachments (the database lists them in the deleting
 * transaction, however they were deleted — with their blob, with a whole bucket) and those of
 * uploads that never finished. Deleting an object cannot be part of a database transaction, so it
 * happens after the commit; a store that is down then is tried again later. Every node sweeps every
 * {@code interval} (whichever node deleted the rows: a cheap query when there is nothing to do), and
 * at once when {@link #wake} is called (this node deleted an attachment or gave up an upload).
 * Several nodes sweep without getting in each other's way ({@code skip locked}).
 */
public final class AttachmentSweeper implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttachmentSweeper.class);
    private static final int BATCH = 100;
    /** How long an upload may take before the object it was writing counts as abandoned. */
    static final Duration UPLOAD_GRACE = Duration.ofDays(1);

    private final Jdbi jdbi;
    private final S3Objects s3;
    private final Duration interval;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
        var thread = new Thread(r, "attachment-sweeper");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean woken = new AtomicBoolean();

    public AttachmentSweeper(Jdbi jdbi, S3Objects s3, Duration interval) {
        this.jdbi = jdbi;
        this.s3 = s3;
        this.interval = interval;
    }

    public AttachmentSweeper start() {
        executor.scheduleWithFixedDelay(this::sweepLogged, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Sweeps soon, once, however often it is called meanwhile. */
    public void wake() {
        if (woken.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    woken.set(false);
                    sweepLogged();
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                woken.set(false); // closing
            }
        }
    }

    private void sweepLogged() {
        try {
            int swept;
            do {
                swept = sweep();
            } while (swept == BATCH);
        } catch (RuntimeException e) {
            log.warn("sweeping deleted attachments from S3 failed; trying again in {}", interval, e);
        }
    }

    /** Deletes up to one batch of due objects; returns how many rows it took on. */
    int sweep() {
        return jdbi.inTransaction(h -> {
            List<Garbage> due = h.createQuery("""
                            select object_key, upload_id from attachment_garbage where not_before <= now()
                            order by not_before limit :batch for update skip locked""")
                    .bind("batch", BATCH)
                    .map((rs, ctx) -> new Garbage(rs.getString("object_key"), rs.getString("upload_id")))
                    .list();
            for (var garbage : due) {
                try {
                    s3.delete(garbage.key(), garbage.uploadId());
                    h.createUpdate("delete from attachment_garbage where object_key = :key").bind("key", garbage.key()).execute();
                } catch (RuntimeException e) {
                    // Tried again later, less often the more it failed (at most hourly).
                    log.warn("could not delete S3 object {}: {}", garbage.key(), e.getMessage());
                    h.createUpdate("""
                                    update attachment_garbage set attempts = attempts + 1,
                                        not_before = now() + least(interval '1 hour', interval '10 seconds' * power(2, least(attempts, 12)))
                                    where object_key = :key""")
                            .bind("key", garbage.key()).execute();
                }
            }
            return due.size();
        });
    }

    /** Records that {@code key} is being written: if the upload never ends, the object is garbage after a day. */
    void uploading(String key) {
        jdbi.useHandle(h -> h.createUpdate("""
                        insert into attachment_garbage (object_key, not_before)
                        values (:key, now() + make_interval(secs => :grace))""")
                .bind("key", key).bind("grace", (double) UPLOAD_GRACE.toSeconds()).execute());
    }

    /** Records the multipart upload writing {@code key}, so a sweep can abort it. */
    void multipartStarted(String key, String uploadId) {
        jdbi.useHandle(h -> h.createUpdate("update attachment_garbage set upload_id = :upload where object_key = :key")
                .bind("upload", uploadId).bind("key", key).execute());
    }

    /** The object of {@code key} is garbage now (its upload failed, or its attachment was deleted): deletes it if it can. */
    void collect(String key) {
        try {
            jdbi.useHandle(h -> h.createUpdate("update attachment_garbage set not_before = now() where object_key = :key")
                    .bind("key", key).execute());
            wake();
        } catch (RuntimeException e) {
            log.warn("could not mark S3 object {} for deletion now; the next sweep after a day will", key, e);
        }
    }

    private record Garbage(String key, String uploadId) {
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
