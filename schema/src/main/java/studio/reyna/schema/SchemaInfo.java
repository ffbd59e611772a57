package studio.reyna.schema;

import java.time.Instant;
import java.util.UUID;

/** A schema's identity: its id, owner, name, and the number of its newest version. */
public record SchemaInfo(String id, UUID ownerId, String name, String description, int latestVersion,
                         Instant createdAt, Instant updatedAt) {
}
