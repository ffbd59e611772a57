package studio.reyna.state.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
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
        var page = blobs.list(Principal.user(owner), bucket.id(), BlobOrder.CREATED, PageRequest.first(2));
        assertThat(page.items()).extracting(BlobSummary::title).containsExactly("n0", "n1");
        assertThat(blobs.list(Principal.user(owner), bucket.id(), BlobOrder.CREATED, PageRequest.parse("2", page.nextCursor())).items())
                .extracting(BlobSummary::title).containsExactly("n2");
        assertThatThrownBy(() -> blobs.list(Principal.user(state.newUser()), bucket.id(), BlobOrder.CREATED, PageRequest.first(2)))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void lists_in_each_order_page_by_page() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        var created = new java.util.ArrayList<Blob>();
        for (String title : List.of("delta", "alpha", "echo|1", "charlie", "bravo")) {
            created.add(blobs.create(owner, bucket.id(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"" + title + "\"}"))));
        }
        blobs.replace(owner, created.get(1).id(), created.get(1).version(), StateFixture.json("{\"title\":\"alpha\"}"), null);

        assertThat(allPages(owner, bucket.id(), BlobOrder.CREATED)).containsExactly("delta", "alpha", "echo|1", "charlie", "bravo");
        assertThat(allPages(owner, bucket.id(), BlobOrder.NEWEST)).containsExactly("bravo", "charlie", "echo|1", "alpha", "delta");
        assertThat(allPages(owner, bucket.id(), BlobOrder.RECENTLY_UPDATED)).containsExactly("alpha", "bravo", "charlie", "echo|1", "delta");
        assertThat(allPages(owner, bucket.id(), BlobOrder.TITLE)).containsExactly("alpha", "bravo", "charlie", "delta", "echo|1");
    }

    @Test
    void refuses_an_unknown_order_and_a_cursor_of_another_order() {
        assertThat(BlobOrder.parse(null)).isEqualTo(BlobOrder.CREATED);
        assertThat(BlobOrder.parse("-updated")).isEqualTo(BlobOrder.RECENTLY_UPDATED);
        assertThatThrownBy(() -> BlobOrder.parse("size")).isInstanceOf(ValidationException.class)
                .satisfies(e -> assertThat(((ValidationException) e).errors().get(0).pointer()).isEqualTo("/sort"));
        UUID owner = state.newUser();
        var bucket = state.buckets.create(owner, "B", null);
        String createdCursor = java.util.Base64.getUrlEncoder().encodeToString(UUID.randomUUID().toString().getBytes());
        assertThatThrownBy(() -> blobs.list(Principal.user(owner), bucket.id(), BlobOrder.RECENTLY_UPDATED,
                PageRequest.parse("2", createdCursor))).isInstanceOf(ValidationException.class);
    }

    private List<String> allPages(UUID owner, UUID bucketId, BlobOrder order) {
        var titles = new java.util.ArrayList<String>();
        String cursor = null;
        do {
            var page = blobs.list(Principal.user(owner), bucketId, order, PageRequest.parse("2", cursor));
            page.items().forEach(b -> titles.add(b.title()));
            cursor = page.nextCursor();
        } while (cursor != null);
        return titles;
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
        assertThat(blobs.list(Principal.user(owner), bucket.id(), BlobOrder.CREATED, PageRequest.first(5)).items()).isEmpty();
        state.events.assignPositions(100_000);
        assertThat(state.events.readVisible(owner, 0, 100)).extracting(e -> e.type()).doesNotContain("blob.created");
    }
}
