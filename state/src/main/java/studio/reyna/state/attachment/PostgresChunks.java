package studio.reyna.state.attachment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Attachments kept in PostgreSQL, as rows of {@code attachment_chunks} of 1 MiB: the GridFS role.
 * Neither writing nor reading ever holds more than one chunk in memory.
 */
final class PostgresChunks {
    static final int CHUNK_BYTES = 1 << 20;

    private PostgresChunks() {
    }

    /**
     * Writes {@code in} to its end as the chunks of attachment {@code id}, in the transaction of
     * {@code h}: if anything fails before that transaction commits, no chunk remains.
     */
    static Stored write(Handle h, UUID id, InputStream in, long maxBytes) throws IOException {
        var digest = Stored.newDigest();
        byte[] buffer = new byte[CHUNK_BYTES];
        long size = 0;
        for (int seq = 0; ; seq++) {
            int n = in.readNBytes(buffer, 0, CHUNK_BYTES);
            if (n == 0) {
                break;
            }
            size += n;
            if (size > maxBytes) {
                throw TooLarge.over(maxBytes);
            }
            digest.update(buffer, 0, n);
            // One statement per chunk, not a batch: only one chunk is ever held.
            h.createUpdate("insert into attachment_chunks (attachment_id, seq, data) values (:id, :seq, :data)")
                    .bind("id", id).bind("seq", seq).bind("data", n == CHUNK_BYTES ? buffer : Arrays.copyOf(buffer, n))
                    .execute();
            if (n < CHUNK_BYTES) {
                break;
            }
        }
        return new Stored(size, digest.digest());
    }

    /**
     * Writes bytes {@code first} to {@code last} (inclusive) of an attachment to {@code out}, reading
     * only the chunks they lie in, each with a connection of its own: a slow reader holds no
     * connection while the network drains what was read.
     */
    static void read(Jdbi jdbi, UUID id, int chunkBytes, long first, long last, OutputStream out) throws IOException {
        long firstSeq = first / chunkBytes;
        long lastSeq = last / chunkBytes;
        for (long seq = firstSeq; seq <= lastSeq; seq++) {
            int from = seq == firstSeq ? (int) (first % chunkBytes) : 0;
            int to = seq == lastSeq ? (int) (last % chunkBytes) : chunkBytes - 1;
            int length = to - from + 1;
            long at = seq;
            byte[] bytes = jdbi.withHandle(h -> h.createQuery(
                            "select substring(data from :from for :length) from attachment_chunks where attachment_id = :id and seq = :seq")
                    .bind("from", from + 1).bind("length", length).bind("id", id).bind("seq", (int) at)
                    .mapTo(byte[].class).findOne().orElse(null));
            if (bytes == null || bytes.length != length) {
                throw new IOException("attachment " + id + " was deleted while it was being read");
            }
            out.write(bytes);
        }
    }
}
