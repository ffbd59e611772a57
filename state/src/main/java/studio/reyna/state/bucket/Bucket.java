package studio.reyna.state.bucket;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.statement.StatementContext;

/** A folder of blobs and other buckets; {@code parentId} is null at the top level. */
public record Bucket(UUID id, UUID ownerId, UUID parentId, String name, Instant createdAt, Instant updatedAt) {
    /** This bucket as shown to someone who may not see its parent: without the parent's id. */
    public Bucket withoutParent() {
        return parentId == null ? this : new Bucket(id, ownerId, null, name, createdAt, updatedAt);
    }

    /** A bucket from a row with the columns id, owner_id, parent_id, name, created_at and updated_at. */
    public static Bucket read(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Bucket(rs.getObject("id", UUID.class), rs.getObject("owner_id", UUID.class),
                rs.getObject("parent_id", UUID.class), rs.getString("name"),
                rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant());
    }
}
