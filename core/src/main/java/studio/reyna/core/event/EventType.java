package studio.reyna.core.event;

import java.util.UUID;

/**
 * The kinds of change, and the subject each is published under. Subjects are hierarchical, so
 * subscribers can use wildcards ({@code blob.*.note.>}): {@code blob.{action}.{schemaId}.{ownerId}},
 * {@code bucket.{action}.{bucketId}.{ownerId}}, {@code schema.published.{schemaId}.{ownerId}},
 * {@code share.{action}.{bucketId}.{ownerId}}, {@code attachment.{action}.{schemaId}.{ownerId}} (the
 * schema of the blob the file is attached to, as for blob events).
 */
public enum EventType {
    BLOB_CREATED("blob.created"),
    BLOB_UPDATED("blob.updated"),
    BLOB_DELETED("blob.deleted"),
    BLOB_MOVED("blob.moved"),
    BLOB_DERIVED("blob.derived"),
    BUCKET_CREATED("bucket.created"),
    BUCKET_UPDATED("bucket.updated"),
    BUCKET_MOVED("bucket.moved"),
    BUCKET_DELETED("bucket.deleted"),
    SCHEMA_PUBLISHED("schema.published"),
    SHARE_CHANGED("share.changed"),
    SHARE_REVOKED("share.revoked"),
    ATTACHMENT_ADDED("attachment.added"),
    ATTACHMENT_DELETED("attachment.deleted");

    private final String name;

    EventType(String name) {
        this.name = name;
    }

    /** The dotted name, e.g. {@code blob.created}. */
    public String typeName() {
        return name;
    }

    /** The subject: the type name, then the object's key token (schema id or bucket id), then the owner. */
    public String subject(String keyToken, UUID ownerId) {
        return name + "." + keyToken + "." + ownerId;
    }
}
