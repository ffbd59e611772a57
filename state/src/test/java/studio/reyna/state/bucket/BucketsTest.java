package studio.reyna.state.bucket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.StateFixture;
import studio.reyna.state.access.Principal;
import studio.reyna.state.blob.NewBlob;

class BucketsTest {
    private final StateFixture state = new StateFixture();
    private final Buckets buckets = state.buckets;

    @Test
    void lists_children_page_by_page() {
        UUID owner = state.newUser();
        var root = buckets.create(owner, "Root", null);
        for (int i = 0; i < 5; i++) {
            buckets.create(owner, "Child " + i, root.id());
        }
        var first = buckets.children(Principal.user(owner), root.id(), PageRequest.first(3));
        assertThat(first.items()).extracting(Bucket::name).containsExactly("Child 0", "Child 1", "Child 2");
        var second = buckets.children(Principal.user(owner), root.id(), PageRequest.parse("3", first.nextCursor()));
        assertThat(second.items()).extracting(Bucket::name).containsExactly("Child 3", "Child 4");
        assertThat(second.nextCursor()).isNull();
        assertThat(buckets.children(Principal.user(owner), null, PageRequest.first(10)).items()).extracting(Bucket::name).containsExactly("Root");
    }

    @Test
    void names_are_trimmed_checked_and_unique_among_siblings() {
        UUID owner = state.newUser();
        assertThat(buckets.create(owner, "  Spaced  ", null).name()).isEqualTo("Spaced");
        assertThatThrownBy(() -> buckets.create(owner, "Spaced", null)).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> buckets.create(owner, "x".repeat(201), null)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> buckets.create(owner, "tab\there", null)).isInstanceOf(ValidationException.class);
        assertThat(buckets.create(state.newUser(), "Spaced", null).name()).as("another owner's namespace").isEqualTo("Spaced");
    }

    @Test
    void renaming_onto_a_sibling_name_is_a_conflict() {
        UUID owner = state.newUser();
        buckets.create(owner, "A", null);
        var b = buckets.create(owner, "B", null);
        assertThatThrownBy(() -> buckets.update(owner, b.id(), new BucketPatch("A", false, null)))
                .isInstanceOf(ConflictException.class);
    }

    @Test
    void crossing_moves_never_build_a_cycle() throws Exception {
        UUID owner = state.newUser();
        try (var pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 10; round++) {
                var a = buckets.create(owner, "A" + round, null);
                var b = buckets.create(owner, "B" + round, null);
                var barrier = new CyclicBarrier(2);
                var results = new ArrayList<Future<?>>();
                results.add(pool.submit(() -> {
                    barrier.await();
                    return buckets.update(owner, a.id(), new BucketPatch(null, true, b.id()));
                }));
                results.add(pool.submit(() -> {
                    barrier.await();
                    return buckets.update(owner, b.id(), new BucketPatch(null, true, a.id()));
                }));
                int refused = 0;
                for (var result : results) {
                    try {
                        result.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        assertThat(e.getCause()).isInstanceOf(ValidationException.class);
                        refused++;
                    }
                }
                assertThat(refused).as("exactly one of two crossing moves is refused").isEqualTo(1);
                var movedA = buckets.get(Principal.user(owner), a.id());
                var movedB = buckets.get(Principal.user(owner), b.id());
                assertThat(movedA.parentId() == null || movedB.parentId() == null).isTrue();
            }
        }
    }

    @Test
    void a_bucket_moved_out_of_a_subtree_while_it_is_deleted_survives() throws Exception {
        UUID owner = state.newUser();
        try (var pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 10; round++) {
                var parent = buckets.create(owner, "Parent " + round, null);
                var child = buckets.create(owner, "Child " + round, parent.id());
                var barrier = new CyclicBarrier(2);
                var move = pool.submit(() -> {
                    barrier.await();
                    return buckets.update(owner, child.id(), new BucketPatch(null, true, null));
                });
                var delete = pool.submit(() -> {
                    barrier.await();
                    buckets.delete(owner, parent.id(), true);
                    return null;
                });
                delete.get();
                boolean moved;
                try {
                    move.get();
                    moved = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(NotFoundException.class);
                    moved = false;
                }
                if (moved) {
                    assertThat(buckets.get(Principal.user(owner), child.id()).parentId()).as("round %d", round).isNull();
                }
            }
        }
    }

    @Test
    void recursive_delete_removes_the_whole_subtree_and_nothing_else() {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var root = buckets.create(owner, "Root", null);
        var child = buckets.create(owner, "Child", root.id());
        var grandchild = buckets.create(owner, "Grandchild", child.id());
        var keep = buckets.create(owner, "Keep", null);
        state.blobs.create(owner, grandchild.id(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"deep\"}")));
        var kept = state.blobs.create(owner, keep.id(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"kept\"}")));

        assertThatThrownBy(() -> buckets.delete(owner, root.id(), false)).isInstanceOf(ConflictException.class);
        buckets.delete(owner, root.id(), true);

        for (var gone : new Bucket[] {root, child, grandchild}) {
            assertThatThrownBy(() -> buckets.get(Principal.user(owner), gone.id())).isInstanceOf(NotFoundException.class);
        }
        assertThat(state.blobs.get(Principal.user(owner), kept.id()).title()).isEqualTo("kept");
        state.events.assignPositions(100_000);
        assertThat(state.events.readVisible(owner, 0, 100)).extracting(e -> e.type())
                .containsSubsequence("blob.deleted", "bucket.deleted", "bucket.deleted", "bucket.deleted");
    }

    @Test
    void another_owners_buckets_do_not_exist_for_the_caller() {
        UUID owner = state.newUser();
        UUID stranger = state.newUser();
        var bucket = buckets.create(owner, "Mine", null);
        assertThatThrownBy(() -> buckets.get(Principal.user(stranger), bucket.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> buckets.update(stranger, bucket.id(), new BucketPatch("x", false, null)))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> buckets.delete(stranger, bucket.id(), true)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> buckets.create(stranger, "Inside", bucket.id())).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> buckets.children(Principal.user(stranger), bucket.id(), PageRequest.first(5))).isInstanceOf(NotFoundException.class);
        var own = buckets.create(stranger, "Own", null);
        assertThatThrownBy(() -> buckets.update(stranger, own.id(), new BucketPatch(null, true, bucket.id())))
                .isInstanceOf(ValidationException.class);
    }
}
