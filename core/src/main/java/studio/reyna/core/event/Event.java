package studio.reyna.core.event;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * The envelope of every change. {@code cursor} is the event's position in the global event log
 * (0 until the log has stored it); {@code ownerId} owns the changed object, {@code actorId} made
 * the change. {@code data} is a small summary for screens (never a blob's full content).
 * {@code audience} lists who else may see it: the users the changed bucket was shared with when
 * the change was written (decided in the writing transaction, so a revoked share is never in it).
 */
public record Event(
        UUID id,
        long cursor,
        String type,
        String subject,
        UUID ownerId,
        UUID actorId,
        UUID bucketId,
        UUID blobId,
        String schemaId,
        Integer schemaVersion,
        Long version,
        Instant time,
        JsonNode data,
        List<UUID> audience) {

    public Event {
        audience = audience == null ? List.of() : List.copyOf(audience);
    }

    /** Whether {@code userId} may see this event: its owner, or someone in its audience. */
    public boolean isFor(UUID userId) {
        return userId.equals(ownerId) || audience.contains(userId);
    }

    public Event withCursor(long newCursor) {
        return new Event(id, newCursor, type, subject, ownerId, actorId, bucketId, blobId, schemaId,
                schemaVersion, version, time, data, audience);
    }
}
