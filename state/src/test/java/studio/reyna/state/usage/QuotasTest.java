package studio.reyna.state.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import studio.reyna.core.problem.QuotaExceededException;
import studio.reyna.state.StateFixture;
import studio.reyna.state.blob.Blob;
import studio.reyna.state.blob.NewBlob;

class QuotasTest {
    private final StateFixture state = new StateFixture();
    private final Usage usage = state.usage;

    @Test
    void of_fifty_concurrent_creates_one_below_the_quota_exactly_one_succeeds() throws Exception {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        for (int i = 0; i < 4; i++) {
            create(owner, bucket.id(), schema, "before " + i);
        }
        usage.override(owner, new Usage.Override(5L, null, null));

        var start = new CountDownLatch(1);
        var results = new ArrayList<Future<Blob>>();
        try (var pool = Executors.newFixedThreadPool(50)) {
            for (int i = 0; i < 50; i++) {
                String title = "racer " + i;
                results.add(pool.submit(() -> {
                    start.await();
                    return create(owner, bucket.id(), schema, title);
                }));
            }
            start.countDown();
            int created = 0;
            for (var result : results) {
                try {
                    result.get();
                    created++;
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(QuotaExceededException.class);
                }
            }
            assertThat(created).isEqualTo(1);
        }
        assertThat(usage.of(owner).blobs()).isEqualTo(new Usage.Measure(5, 5));
        assertThat(countRows("select count(*) from blobs where owner_id = ?", owner)).isEqualTo(5);
    }

    @Test
    void a_refused_write_leaves_nothing_behind_and_names_the_limit_its_use_and_maximum() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        usage.override(owner, new Usage.Override(1L, null, null));
        create(owner, bucket.id(), schema, "the one allowed");
        long events = countRows("select count(*) from events where owner_id = ?", owner);

        assertThatThrownBy(() -> create(owner, bucket.id(), schema, "one too many"))
                .isInstanceOfSatisfying(QuotaExceededException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.type()).isEqualTo("quota-exceeded");
                    assertThat(e.members()).containsEntry("limit", "blobs").containsEntry("used", 1L).containsEntry("max", 1L);
                });
        assertThat(countRows("select count(*) from blobs where owner_id = ?", owner)).isEqualTo(1);
        assertThat(countRows("select count(*) from events where owner_id = ?", owner)).isEqualTo(events);
        assertThat(usage.of(owner).blobs().used()).isEqualTo(1);
    }

    @Test
    void bytes_follow_creates_replacements_and_deletes_and_a_growing_replacement_is_refused_past_the_maximum() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        var small = create(owner, bucket.id(), schema, "x");
        long oneBlob = sizeOf(small);
        assertThat(usage.of(owner).bytes().used()).isEqualTo(oneBlob);

        var bigger = state.blobs.replace(owner, small.id(), 1L, StateFixture.json("{\"title\":\"" + "y".repeat(100) + "\"}"), null);
        assertThat(usage.of(owner).bytes().used()).isEqualTo(sizeOf(bigger)).isEqualTo(oneBlob + 99);

        usage.override(owner, new Usage.Override(null, null, sizeOf(bigger)));
        assertThatThrownBy(() -> state.blobs.replace(owner, small.id(), 2L,
                StateFixture.json("{\"title\":\"" + "z".repeat(101) + "\"}"), null))
                .isInstanceOfSatisfying(QuotaExceededException.class, e ->
                        assertThat(e.members()).containsEntry("limit", "bytes").containsEntry("used", sizeOf(bigger)));
        // Shrinking always passes, even at the maximum.
        state.blobs.replace(owner, small.id(), 2L, StateFixture.json("{\"title\":\"s\"}"), null);
        assertThat(usage.of(owner).bytes().used()).isEqualTo(oneBlob);

        state.blobs.delete(owner, small.id(), null);
        assertThat(usage.of(owner).blobs().used()).isZero();
        assertThat(usage.of(owner).bytes().used()).isZero();
    }

    @Test
    void deleting_a_subtree_gives_back_every_bucket_blob_and_byte_in_it() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var root = state.buckets.create(owner, "Root", null);
        var child = state.buckets.create(owner, "Child", root.id());
        var grandchild = state.buckets.create(owner, "Grandchild", child.id());
        var kept = state.buckets.create(owner, "Kept", null);
        create(owner, root.id(), schema, "a");
        create(owner, grandchild.id(), schema, "b");
        var keptBlob = create(owner, kept.id(), schema, "c");
        assertThat(usage.of(owner).buckets().used()).isEqualTo(4);
        assertThat(usage.of(owner).blobs().used()).isEqualTo(3);

        state.buckets.delete(owner, root.id(), true);

        var after = usage.of(owner);
        assertThat(after.buckets().used()).isEqualTo(1);
        assertThat(after.blobs().used()).isEqualTo(1);
        assertThat(after.bytes().used()).isEqualTo(sizeOf(keptBlob));
    }

    @Test
    void what_a_sharee_writes_counts_against_the_owner() {
        UUID owner = state.newUser();
        UUID sharee = state.newUser();
        String schema = state.noteSchema(owner);
        var shared = state.buckets.create(owner, "Shared", null);
        state.shares.share(owner, shared.id(), emailOf(sharee), "write");
        usage.override(owner, new Usage.Override(null, 2L, null));

        state.buckets.create(sharee, "Made by the sharee", shared.id());
        create(sharee, shared.id(), schema, "by the sharee");

        assertThat(usage.of(owner).buckets().used()).isEqualTo(2);
        assertThat(usage.of(owner).blobs().used()).isEqualTo(1);
        assertThat(usage.of(sharee).blobs().used()).isZero();
        assertThatThrownBy(() -> state.buckets.create(sharee, "One too many", shared.id()))
                .isInstanceOfSatisfying(QuotaExceededException.class, e -> assertThat(e.members())
                        .containsEntry("limit", "buckets").containsEntry("used", 2L).containsEntry("max", 2L));
    }

    @Test
    void an_override_goes_back_to_the_default_and_a_lowered_maximum_still_lets_the_user_free_room() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B", null);
        var first = create(owner, bucket.id(), schema, "1");
        create(owner, bucket.id(), schema, "2");
        assertThat(usage.override(owner, new Usage.Override(1L, 7L, null)).blobs()).isEqualTo(new Usage.Measure(2, 1));

        state.blobs.delete(owner, first.id(), null);
        assertThat(usage.of(owner).blobs()).isEqualTo(new Usage.Measure(1, 1));

        var back = usage.override(owner, new Usage.Override(Usage.Override.DEFAULT, null, null));
        assertThat(back.blobs().max()).isEqualTo(10_000);
        assertThat(back.buckets().max()).isEqualTo(7);
    }

    private Blob create(UUID caller, UUID bucketId, String schema, String title) {
        return state.blobs.create(caller, bucketId, new NewBlob(schema, null, StateFixture.json("{\"title\":\"" + title + "\"}")));
    }

    private long sizeOf(Blob blob) {
        return countRows("select size_bytes from blobs where id = ?", blob.id());
    }

    private String emailOf(UUID user) {
        return state.jdbi.withHandle(h -> h.createQuery("select email from users where id = ?").bind(0, user)
                .mapTo(String.class).one());
    }

    private long countRows(String sql, UUID id) {
        return state.jdbi.withHandle(h -> h.createQuery(sql).bind(0, id).mapTo(Long.class).one());
    }
}
