package studio.reyna.gateway.schema;

import java.time.Instant;
import java.util.UUID;
import studio.reyna.schema.SchemaInfo;
import studio.reyna.schema.SchemaVersion;
import tools.jackson.databind.JsonNode;

/** One version of a schema as the API shows it, with the schema's identity. */
record SchemaView(String id, String name, String description, UUID ownerId, int version, int latestVersion,
                  JsonNode schema, JsonNode migration, Instant createdAt) {

    static SchemaView of(SchemaInfo info, SchemaVersion version) {
        return new SchemaView(info.id(), info.name(), info.description(), info.ownerId(), version.version(),
                info.latestVersion(), version.document(), version.migration(), version.createdAt());
    }
}
