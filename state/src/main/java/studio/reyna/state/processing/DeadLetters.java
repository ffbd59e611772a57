package studio.reyna.state.processing;

import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;

/** The events a processor gave up on, as their owners see them: which blob, how often tried, the last error. */
public final class DeadLetters {
    /** One event a processor gave up on. */
    public record DeadLetter(UUID eventId, UUID blobId, int attempts, String error, Instant failedAt) {
    }

    private final Jdbi jdbi;

    public DeadLetters(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    /** The dead letters of {@code processor} for the blobs {@code ownerId} owns, oldest event first. */
    public Page<DeadLetter> of(UUID ownerId, String processor, PageRequest page) {
        return jdbi.withHandle(h -> page.page(h.createQuery("""
                        select event_id, blob_id, attempts, error, failed_at from processor_dead_letters
                        where owner_id = :owner and processor = :processor and event_id > :after
                        order by event_id limit :limit""")
                .bind("owner", ownerId).bind("processor", processor).bind("after", page.afterIdOrStart())
                .bind("limit", page.limit() + 1)
                .map((rs, ctx) -> new DeadLetter(rs.getObject("event_id", UUID.class), rs.getObject("blob_id", UUID.class),
                        rs.getInt("attempts"), rs.getString("error"), rs.getTimestamp("failed_at").toInstant()))
                .list(), letter -> letter.eventId().toString()));
    }
}
