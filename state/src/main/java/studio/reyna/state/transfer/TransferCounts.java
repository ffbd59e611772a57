package studio.reyna.state.transfer;

/** How many items of each kind: in an export, or created or found already by an import. */
public record TransferCounts(long schemaVersions, long buckets, long blobs, long attachments) {
    public long total() {
        return schemaVersions + buckets + blobs + attachments;
    }
}
