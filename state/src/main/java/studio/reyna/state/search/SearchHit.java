package studio.reyna.state.search;

import java.time.Instant;
import java.util.UUID;

/**
 * A blob that matched a search: its summary (as lists show it) and where the words were found.
 * {@code highlights} hold the title and the preview HTML-escaped, with each matching word inside
 * {@code <mark>…</mark>}: safe to insert into a page as HTML, and nothing else is markup.
 */
public record SearchHit(UUID id, UUID bucketId, String schemaId, int schemaVersion, long version, String title,
                        String preview, Instant createdAt, Instant updatedAt, Highlights highlights) {

    public record Highlights(String title, String preview) {
    }
}
