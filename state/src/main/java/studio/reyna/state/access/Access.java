package studio.reyna.state.access;

/** What a principal may do with a bucket's contents, weakest first. */
public enum Access {
    /** Nothing: the bucket answers as if it did not exist. */
    NONE,
    /** See the bucket, its sub-buckets and blobs (a read share, a public link). */
    READ,
    /** Also create, change and delete blobs and sub-buckets inside (a write share). */
    WRITE,
    /** Everything, including sharing, links, and moving or deleting the bucket itself. */
    OWNER;

    public boolean atLeast(Access other) {
        return compareTo(other) >= 0;
    }
}
