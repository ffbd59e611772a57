package studio.reyna.state.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.BadRequestException;
import studio.reyna.core.problem.ForbiddenException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.PayloadTooLargeException;
import studio.reyna.core.problem.QuotaExceededException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.StateFixture;
import studio.reyna.state.access.Principal;
import studio.reyna.state.blob.NewBlob;
import studio.reyna.state.usage.Usage;

/** The attachments service on the real PostgreSQL, with the studio's storage quota. */
class AttachmentsTest {
    private final StateFixture state = new StateFixture();
    private final Attachments attachments = state.attachments;
    private final UUID owner = state.newUser();
    private final String schema = state.noteSchema(owner);
    private final UUID bucket = state.buckets.create(owner, "Files " + UUID.randomUUID(), null).id();
    private final UUID blob = newBlob(bucket);

    private UUID newBlob(UUID bucketId) {
        return state.blobs.create(owner, bucketId, new NewBlob(schema, null, StateFixture.json("{\"title\":\"With files\"}"))).id();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static Upload upload(String name, String type, InputStream bytes) {
        return () -> new Upload.Content(name, type, bytes);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private byte[] read(Principal who, UUID blobId, UUID attachmentId, long first, long last) throws IOException {
        var out = new ByteArrayOutputStream();
        attachments.open(who, blobId, attachmentId).write(first, last, out);
        return out.toByteArray();
    }

    /** The bytes the owner's storage usage counts: blob JSON and attachments. */
    private long usedBytes() {
        return state.usage.of(owner).bytes().used();
    }

    private long storedChunks() {
        return state.jdbi.withHandle(h -> h.createQuery("select count(*) from attachment_chunks").mapTo(Long.class).one());
    }

    private List<String> eventsOf(UUID blobId) {
        return state.jdbi.withHandle(h -> h.createQuery("select type from events where blob_id = :blob order by write_seq")
                .bind("blob", blobId).mapTo(String.class).list());
    }

    @Test
    void stores_a_file_in_chunks_and_reads_back_any_range_of_it() throws Exception {
        long usedBefore = usedBytes();
        byte[] file = random(2 * PostgresChunks.CHUNK_BYTES + 4321, 1);
        var attachment = attachments.add(owner, blob, upload(" report.bin ", "Application/PDF; Version=1.7",
                new ByteArrayInputStream(file)));

        assertThat(attachment.filename()).isEqualTo("report.bin");
        assertThat(attachment.contentType()).isEqualTo("application/pdf; Version=1.7");
        assertThat(attachment.size()).isEqualTo(file.length);
        assertThat(attachment.sha256()).isEqualTo(sha256(file));
        int chunks = state.jdbi.withHandle(h -> h.createQuery("select count(*) from attachment_chunks where attachment_id = :id")
                .bind("id", attachment.id()).mapTo(Integer.class).one());
        assertThat(chunks).isEqualTo(3);
        var who = Principal.user(owner);
        assertThat(read(who, blob, attachment.id(), 0, file.length - 1)).isEqualTo(file);
        int boundary = PostgresChunks.CHUNK_BYTES;
        for (long[] range : new long[][] {{0, 0}, {boundary - 3, boundary + 2}, {boundary, 2L * boundary}, {10, file.length - 1},
                {file.length - 1, file.length - 1}}) {
            assertThat(read(who, blob, attachment.id(), range[0], range[1])).as("bytes %d-%d", range[0], range[1])
                    .isEqualTo(java.util.Arrays.copyOfRange(file, (int) range[0], (int) range[1] + 1));
        }
        assertThat(attachments.list(who, blob, PageRequest.parse(null, null)).items()).containsExactly(attachment);
        assertThat(eventsOf(blob)).containsExactly("blob.created", "attachment.added");
        assertThat(usedBytes() - usedBefore).isEqualTo(file.length);
    }

    @Test
    void an_upload_that_breaks_off_stores_nothing_and_charges_nothing() {
        long chunksBefore = storedChunks();
        long usedBefore = usedBytes();
        // The client sends a chunk and a half, then goes away.
        var breaking = new InputStream() {
            int sent;

            @Override
            public int read() throws IOException {
                if (sent++ >= PostgresChunks.CHUNK_BYTES * 3 / 2) {
                    throw new IOException("connection reset by peer");
                }
                return 'x';
            }
        };
        assertThatThrownBy(() -> attachments.add(owner, blob, upload("half.bin", null, breaking)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("nothing was stored");
        assertThat(attachments.list(Principal.user(owner), blob, PageRequest.parse(null, null)).items()).isEmpty();
        assertThat(storedChunks()).isEqualTo(chunksBefore);
        assertThat(usedBytes()).isEqualTo(usedBefore);
        assertThat(eventsOf(blob)).containsExactly("blob.created");
    }

    @Test
    void a_file_over_the_limit_or_the_quota_is_refused_whole() {
        long chunksBefore = storedChunks();
        long usedBefore = usedBytes();
        assertThatThrownBy(() -> attachments.add(owner, blob, upload("big", null,
                new ByteArrayInputStream(new byte[(int) attachments.maxBytes() + 1]))))
                .isInstanceOf(PayloadTooLargeException.class);
        // Room for 4,999 more bytes: a file of 5,000 is refused at its end, and nothing stays.
        state.usage.override(owner, new Usage.Override(null, null, usedBefore + 4999));
        assertThatThrownBy(() -> attachments.add(owner, blob, upload("fits", null, new ByteArrayInputStream(random(5000, 2)))))
                .isInstanceOf(QuotaExceededException.class);
        assertThat(attachments.list(Principal.user(owner), blob, PageRequest.parse(null, null)).items()).isEmpty();
        assertThat(storedChunks()).isEqualTo(chunksBefore);
        assertThat(usedBytes()).isEqualTo(usedBefore);
        assertThat(attachments.add(owner, blob, upload("fits", null, new ByteArrayInputStream(random(4999, 2)))).size())
                .isEqualTo(4999);
        // A file exactly at the limit fits, and an empty one is a file too.
        state.usage.override(owner, new Usage.Override(null, null, Usage.Override.DEFAULT));
        assertThat(attachments.add(owner, blob, upload("max", null,
                new ByteArrayInputStream(new byte[(int) attachments.maxBytes()]))).size()).isEqualTo(attachments.maxBytes());
        var empty = attachments.add(owner, blob, upload("empty", null, InputStream.nullInputStream()));
        assertThat(empty.size()).isZero();
        assertThat(empty.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(empty.contentType()).isEqualTo("application/octet-stream");
    }

    @Test
    void the_bytes_go_back_to_the_quota_with_the_attachment_its_blob_or_its_bucket() throws Exception {
        long usedBefore = usedBytes();
        var first = attachments.add(owner, blob, upload("a", null, new ByteArrayInputStream(random(1000, 3))));
        attachments.add(owner, blob, upload("b", null, new ByteArrayInputStream(random(2000, 4))));
        assertThat(usedBytes() - usedBefore).isEqualTo(3000);

        attachments.delete(owner, blob, first.id());
        assertThat(usedBytes() - usedBefore).isEqualTo(2000);
        assertThat(eventsOf(blob)).containsExactly("blob.created", "attachment.added", "attachment.added", "attachment.deleted");
        assertThatThrownBy(() -> attachments.open(Principal.user(owner), blob, first.id())).isInstanceOf(NotFoundException.class);

        long blobBytes = state.jdbi.withHandle(h -> h.createQuery("select size_bytes from blobs where id = :id")
                .bind("id", blob).mapTo(Long.class).one());
        state.blobs.delete(owner, blob, null);
        assertThat(usedBytes() - usedBefore).isEqualTo(-blobBytes);
        int left = state.jdbi.withHandle(h -> h.createQuery("select count(*) from attachments where blob_id = :blob")
                .bind("blob", blob).mapTo(Integer.class).one());
        assertThat(left).isZero();

        UUID inner = state.buckets.create(owner, "Inner", bucket).id();
        UUID innerBlob = newBlob(inner);
        UUID outerBlob = newBlob(bucket);
        long withBlobs = usedBytes();
        attachments.add(owner, innerBlob, upload("c", null, new ByteArrayInputStream(random(700, 5))));
        attachments.add(owner, outerBlob, upload("d", null, new ByteArrayInputStream(random(300, 6))));
        assertThat(usedBytes() - withBlobs).isEqualTo(1000);
        state.buckets.delete(owner, bucket, true);
        assertThat(usedBytes()).isEqualTo(withBlobs - 2 * blobBytes);
    }

    @Test
    void attachments_follow_the_access_to_their_blob() {
        UUID reader = state.newUser();
        UUID writer = state.newUser();
        UUID stranger = state.newUser();
        state.shares.share(owner, bucket, email(reader), "read");
        state.shares.share(owner, bucket, email(writer), "write");

        long ownerBefore = usedBytes();
        var added = attachments.add(writer, blob, upload("w.txt", "text/plain", new ByteArrayInputStream("hi".getBytes())));
        // The owner of the blob pays for it, whoever uploaded it.
        assertThat(usedBytes() - ownerBefore).isEqualTo(2);
        assertThat(state.usage.of(writer).bytes().used()).isZero();
        assertThat(attachments.open(Principal.user(reader), blob, added.id()).attachment()).isEqualTo(added);
        assertThatThrownBy(() -> attachments.add(reader, blob, upload("r", null, InputStream.nullInputStream())))
                .isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> attachments.delete(reader, blob, added.id())).isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> attachments.add(stranger, blob, upload("s", null, InputStream.nullInputStream())))
                .isInstanceOf(NotFoundException.class).hasMessage("there is no blob " + blob);
        assertThatThrownBy(() -> attachments.open(Principal.user(stranger), blob, added.id()))
                .isInstanceOf(NotFoundException.class).hasMessage("there is no blob " + blob);
        assertThatThrownBy(() -> attachments.list(Principal.user(stranger), blob, PageRequest.parse(null, null)))
                .isInstanceOf(NotFoundException.class);
        // An attachment is reached only through its own blob.
        UUID otherBlob = newBlob(bucket);
        assertThatThrownBy(() -> attachments.open(Principal.user(owner), otherBlob, added.id())).isInstanceOf(NotFoundException.class);

        // The event names the blob and the attachment, for the owner and the bucket's sharees.
        var event = state.jdbi.withHandle(h -> h.createQuery("""
                        select subject, actor_id, bucket_id, data->>'attachmentId' as attachment, audience
                        from events where blob_id = :blob and type = 'attachment.added'""")
                .bind("blob", blob)
                .map((rs, ctx) -> List.of(rs.getString("subject"), rs.getString("actor_id"), rs.getString("bucket_id"),
                        rs.getString("attachment"), List.of((UUID[]) rs.getArray("audience").getArray())))
                .one());
        assertThat(event.get(0)).isEqualTo("attachment.added." + schema + "." + owner);
        assertThat(event.get(1)).isEqualTo(writer.toString());
        assertThat(event.get(2)).isEqualTo(bucket.toString());
        assertThat(event.get(3)).isEqualTo(added.id().toString());
        assertThat(new java.util.HashSet<Object>((List<?>) event.get(4))).isEqualTo(java.util.Set.of(reader, writer));
    }

    @Test
    void refuses_names_and_types_that_are_not_ones() {
        for (String name : new String[] {null, " ", "a/b", "a\\b", "tab\there", "..", "x".repeat(256), "bad\uD800"}) {
            assertThatThrownBy(() -> Attachments.checkedFilename(name)).as(String.valueOf(name))
                    .isInstanceOf(ValidationException.class)
                    .satisfies(e -> assertThat(((ValidationException) e).errors().getFirst().pointer()).isEqualTo("/filename"));
        }
        assertThat(Attachments.checkedFilename("😀".repeat(255))).hasSize(510);
        for (String type : new String[] {"text", "text/", "/plain", "text/pl ain", "tëxt/plain", "text/plain; q=\u0001"}) {
            assertThatThrownBy(() -> Attachments.checkedContentType(type)).as(type).isInstanceOf(ValidationException.class)
                    .satisfies(e -> assertThat(((ValidationException) e).errors().getFirst().pointer()).isEqualTo("/contentType"));
        }
        assertThat(Attachments.checkedContentType("IMAGE/SVG+XML")).isEqualTo("image/svg+xml");
        assertThat(Attachments.checkedContentType(null)).isEqualTo("application/octet-stream");
    }

    private String email(UUID user) {
        return user + "@example.org";
    }
}
