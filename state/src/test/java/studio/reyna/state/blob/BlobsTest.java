package studio.reyna.state.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.PreconditionFailedException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.StateFixture;
import studio.reyna.state.access.Principal;

class BlobsTest {
    private final StateFixture state = new StateFixture();
    private final Blobs blobs = state.blobs;

    @Test
    void of_two_writers_at_the_same_version_exactly_one_wins() throws Exception {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        var blob = blobs.create(owner, bucket.id(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"v1\"}")));
        try (var pool = Executors.newFixedThreadPool(4)) {
            var results = new java.util.ArrayList<Future<Blob>>();
            for (int i = 0; i < 4; i++) {
                String title = "writer " + i;
                results.add(pool.submit(() -> blobs.replace(owner, blob.id(), 1L,
                        StateFixture.json("{\"title\":\"" + title + "\"}"), null)));
            }
            int won = 0;
            for (var result : results) {
                try {
                    assertThat(result.get().version()).isEqualTo(2);
                    won++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(PreconditionFailedException.class);
                }
            }
            assertThat(won).isEqualTo(1);
        }
        assertThat(blobs.get(Principal.user(owner), blob.id()).version()).isEqualTo(2);
    }

    @Test
    void records_the_schema_version_and_the_size_of_the_stored_data() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        var blob = blobs.create(owner, bucket.id(), new NewBlob(schema, 1, StateFixture.json("{\"title\":\"Grüße\"}")));
        assertThat(blob.schemaVersion()).isEqualTo(1);
        long size = state.jdbi.withHandle(h -> h.createQuery("select size_bytes from blobs where id = ?")
                .bind(0, blob.id()).mapTo(Long.class).one());
        assertThat(size).isEqualTo("{\"title\":\"Grüße\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(blob.data().get("title").asString()).isEqualTo("Grüße");
    }

    @Test
    void lists_the_blobs_of_a_bucket_without_their_content() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        for (int i = 0; i < 3; i++) {
            blobs.create(owner, bucket.id(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"n" + i + "\"}")));
        }
        var page = blobs.list(Principal.user(owner), bucket.id(), PageRequest.first(2));
        assertThat(page.items()).extracting(BlobSummary::title).containsExactly("n0", "n1");
        assertThat(blobs.list(Principal.user(owner), bucket.id(), PageRequest.parse("2", page.nextCursor())).items())
                .extracting(BlobSummary::title).containsExactly("n2");
        assertThatThrownBy(() -> blobs.list(Principal.user(state.newUser()), bucket.id(), PageRequest.first(2)))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void refuses_bad_requests_without_writing_anything() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        assertThatThrownBy(() -> blobs.create(owner, bucket.id(), new NewBlob(null, null, StateFixture.json("{}"))))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> blobs.create(owner, bucket.id(), new NewBlob(schema, 0, StateFixture.json("{\"title\":\"x\"}"))))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> blobs.create(owner, UUID.randomUUID(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"x\"}"))))
                .isInstanceOf(NotFoundException.class);
        assertThat(blobs.list(Principal.user(owner), bucket.id(), PageRequest.first(5)).items()).isEmpty();
        state.events.assignPositions(100_000);
        assertThat(state.events.readVisible(owner, 0, 100)).extracting(e -> e.type()).doesNotContain("blob.created");
    }
}
