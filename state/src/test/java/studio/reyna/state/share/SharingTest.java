package studio.reyna.state.share;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import studio.reyna.core.event.Event;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.ForbiddenException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.StateFixture;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;
import studio.reyna.state.blob.NewBlob;
import studio.reyna.state.bucket.BucketPatch;

/** Shares and links through the State Service: who may do what, and who each event is for. */
class SharingTest {
    private final StateFixture state = new StateFixture();
    private final UUID owner = state.newUser();
    private final UUID reader = state.newUser();
    private final UUID writer = state.newUser();
    private final UUID stranger = state.newUser();
    private final String schema = state.noteSchema(owner);
    private final UUID shared = state.buckets.create(owner, "Shared", null).id();
    private final UUID inside = state.buckets.create(owner, "Inside", shared).id();
    private final UUID outside = state.buckets.create(owner, "Outside", null).id();

    SharingTest() {
        state.shares.share(owner, shared, email(reader), "read");
        state.shares.share(owner, shared, email(writer), "write");
    }

    private static String email(UUID user) {
        return user + "@example.org";
    }

    private UUID note(UUID caller, UUID bucket, String title) {
        return state.blobs.create(caller, bucket, new NewBlob(schema, null, StateFixture.json("{\"title\":\"" + title + "\"}"))).id();
    }

    /** The events since {@code after} that {@code user} may see, as type and title. */
    private List<String> seen(UUID user, long after) {
        state.events.assignPositions(10_000);
        return state.events.readVisible(user, after, 1000).stream()
                .map(e -> e.type() + (e.data() != null && e.data().has("title") ? " " + e.data().get("title").asString() : ""))
                .toList();
    }

    private long now() {
        state.events.assignPositions(10_000);
        return state.events.latestCursor();
    }

    @Test
    void a_share_covers_the_subtree_read_or_write_and_nothing_beside_it() {
        UUID blob = note(owner, inside, "deep");
        assertThat(state.blobs.get(Principal.user(reader), blob).id()).isEqualTo(blob);
        assertThat(state.buckets.get(Principal.user(reader), inside).name()).isEqualTo("Inside");
        assertThatThrownBy(() -> note(reader, inside, "no")).isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> state.blobs.delete(reader, blob, null)).isInstanceOf(ForbiddenException.class);

        UUID written = note(writer, inside, "by the writer");
        assertThat(state.blobs.get(Principal.user(owner), written).ownerId()).as("belongs to the bucket's owner").isEqualTo(owner);
        state.blobs.delete(writer, blob, null);

        UUID elsewhere = note(owner, outside, "private");
        for (UUID user : List.of(reader, writer, stranger)) {
            assertThatThrownBy(() -> state.blobs.get(Principal.user(user), elsewhere)).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> state.buckets.get(Principal.user(user), outside)).isInstanceOf(NotFoundException.class);
        }
        assertThatThrownBy(() -> state.buckets.get(Principal.user(stranger), shared)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void a_write_sharee_changes_what_is_inside_but_not_the_shared_bucket_itself() {
        var sub = state.buckets.create(writer, "Made by the writer", shared);
        assertThat(sub.ownerId()).isEqualTo(owner);
        state.buckets.update(writer, sub.id(), new BucketPatch("Renamed", true, inside));
        state.buckets.delete(writer, sub.id(), false);

        assertThatThrownBy(() -> state.buckets.update(writer, shared, new BucketPatch("Mine now", false, null)))
                .isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> state.buckets.delete(writer, shared, true)).isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> state.buckets.update(writer, inside, new BucketPatch(null, true, null)))
                .as("to the owner's top level").isInstanceOf(ForbiddenException.class);
        var own = state.buckets.create(writer, "The writer's own", null);
        assertThatThrownBy(() -> state.buckets.update(writer, inside, new BucketPatch(null, true, own.id())))
                .as("into another owner's tree").isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> state.shares.share(writer, shared, email(stranger), "read")).isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> state.shares.list(writer, shared)).isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> state.shares.list(stranger, shared)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void events_reach_the_sharees_of_the_bucket_at_the_time_and_no_one_else() {
        long start = now();
        note(owner, inside, "for everyone");
        note(owner, outside, "for the owner");
        assertThat(seen(reader, start)).containsExactly("blob.created for everyone");
        assertThat(seen(stranger, start)).isEmpty();

        long revoked = now();
        state.shares.revoke(owner, shared, reader);
        note(owner, inside, "after the revoke");
        assertThat(seen(reader, revoked)).as("told of the revoke, then nothing").containsExactly("share.revoked");
        assertThat(seen(writer, revoked)).containsExactly("blob.created after the revoke");
        assertThatThrownBy(() -> state.buckets.get(Principal.user(reader), inside)).isInstanceOf(NotFoundException.class);

        // Moved out of the shared subtree: the writer loses it, and hears nothing of where it went.
        long beforeMove = now();
        state.buckets.update(owner, inside, new BucketPatch(null, true, outside));
        note(owner, inside, "moved away");
        assertThat(seen(writer, beforeMove)).isEmpty();
        assertThatThrownBy(() -> state.buckets.get(Principal.user(writer), inside)).isInstanceOf(NotFoundException.class);
        assertThat(seen(owner, beforeMove)).containsExactly("bucket.moved", "blob.created moved away");
    }

    @Test
    void a_recursive_delete_tells_each_sharee_only_about_what_they_could_see() {
        var deeper = state.buckets.create(owner, "Deeper", inside);
        state.shares.share(owner, deeper.id(), email(stranger), "read");
        note(owner, deeper.id(), "deep");
        note(owner, inside, "shallow");
        long start = now();
        state.buckets.delete(owner, shared, true);
        now();
        List<Event> forStranger = state.events.readVisible(stranger, start, 100);
        assertThat(forStranger).extracting(Event::type).containsExactlyInAnyOrder("blob.deleted", "bucket.deleted");
        assertThat(forStranger).allMatch(e -> deeper.id().equals(e.bucketId()));
        assertThat(state.events.readVisible(reader, start, 100)).extracting(Event::type)
                .containsExactlyInAnyOrder("blob.deleted", "blob.deleted", "bucket.deleted", "bucket.deleted", "bucket.deleted");
    }

    @Test
    void writes_racing_a_revoke_never_name_the_revoked_user_after_it() throws Exception {
        long start = now();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var writes = new ArrayList<Future<UUID>>();
            for (int i = 0; i < 40; i++) {
                int n = i;
                writes.add(pool.submit(() -> note(writer, inside, "race " + n)));
                if (i == 20) {
                    pool.submit(() -> state.shares.revoke(owner, shared, reader));
                }
            }
            for (var write : writes) {
                write.get();
            }
        }
        state.events.assignPositions(10_000);
        var all = state.events.readVisible(owner, start, 1000);
        int revokeAt = -1;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).type().equals("share.revoked")) {
                revokeAt = i;
            }
        }
        assertThat(revokeAt).isGreaterThanOrEqualTo(0);
        assertThat(all.subList(revokeAt + 1, all.size())).noneMatch(e -> e.audience().contains(reader));
        assertThat(all.subList(0, revokeAt)).allMatch(e -> e.audience().contains(reader));
    }

    @Test
    void shares_are_listed_changed_and_revoked_by_the_owner_only() {
        var changed = state.shares.share(owner, shared, email(reader).toUpperCase(), "write");
        assertThat(changed.created()).isFalse();
        assertThat(changed.share().access()).isEqualTo("write");
        assertThat(state.shares.list(owner, shared)).extracting(Share::userId).containsExactlyInAnyOrder(reader, writer);
        assertThat(state.shares.sharedWith(writer, PageRequest.first(10)).items())
                .extracting(s -> s.bucket().id()).containsExactly(shared);
        assertThatThrownBy(() -> state.shares.share(owner, shared, "nobody@example.org", "read"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("no account");
        assertThatThrownBy(() -> state.shares.share(owner, shared, email(owner), "read")).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> state.shares.share(owner, shared, email(stranger), "admin")).isInstanceOf(ValidationException.class);
        state.shares.revoke(owner, shared, reader);
        assertThatThrownBy(() -> state.shares.revoke(owner, shared, reader)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void a_link_reads_its_subtree_until_it_is_revoked_or_expires() throws Exception {
        var link = state.links.create(owner, shared, null);
        assertThat(link.token()).hasSize(43);
        var holder = state.links.resolve(link.token());
        UUID blob = note(owner, inside, "public");
        assertThat(state.blobs.get(holder, blob).id()).isEqualTo(blob);
        assertThat(state.buckets.children(holder, shared, PageRequest.first(10)).items()).hasSize(1);
        UUID elsewhere = note(owner, outside, "not public");
        assertThatThrownBy(() -> state.blobs.get(holder, elsewhere)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> state.buckets.get(holder, outside)).isInstanceOf(NotFoundException.class);
        assertThat(state.links.list(owner, shared)).singleElement().satisfies(l -> assertThat(l.token()).isNull());
        assertThatThrownBy(() -> state.links.create(writer, shared, null)).isInstanceOf(ForbiddenException.class);

        state.links.revoke(owner, shared, link.token());
        assertThatThrownBy(() -> state.links.resolve(link.token())).isInstanceOf(NotFoundException.class);

        var brief = state.links.create(owner, shared, Instant.now().plusMillis(300));
        assertThat(state.links.resolve(brief.token()).linkRoot()).isEqualTo(shared);
        Thread.sleep(400);
        assertThatThrownBy(() -> state.links.resolve(brief.token())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> state.links.create(owner, shared, Instant.now().minusSeconds(1)))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> state.links.resolve("x".repeat(500))).isInstanceOf(NotFoundException.class);
    }

    @Test
    void another_node_reads_from_its_remembered_decisions_until_the_event_of_a_revoke_reaches_it() {
        // A second node: its own access policy and services, on the same database.
        var otherAccess = new AccessPolicy(java.time.Duration.ofMinutes(5), 1000);
        var otherBuckets = new studio.reyna.state.bucket.Buckets(state.jdbi, otherAccess, state.events, state.usage, state.ids);
        var otherBlobs = new studio.reyna.state.blob.Blobs(state.jdbi, otherAccess, state.schemas, state.events, state.usage, state.ids,
                StateFixture.JSON, state.metrics);
        assertThat(otherBuckets.get(Principal.user(reader), inside).name()).isEqualTo("Inside");

        long before = now();
        state.shares.revoke(owner, shared, reader);
        state.shares.revoke(owner, shared, writer);
        assertThatThrownBy(() -> state.buckets.get(Principal.user(reader), inside))
                .as("the node that revoked forgets at once").isInstanceOf(NotFoundException.class);
        assertThat(otherBuckets.get(Principal.user(reader), inside).name())
                .as("a read on the other node, before the event reaches it").isEqualTo("Inside");
        assertThatThrownBy(() -> otherBlobs.create(writer, inside, new NewBlob(schema, null, StateFixture.json("{\"title\":\"x\"}"))))
                .as("writes never trust a remembered decision").isInstanceOf(NotFoundException.class);

        state.events.assignPositions(10_000);
        state.events.readVisible(owner, before, 100).forEach(otherAccess::changed);
        assertThatThrownBy(() -> otherBuckets.get(Principal.user(reader), inside)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void a_blob_moved_out_of_a_shared_bucket_is_gone_for_its_sharees_and_so_are_its_later_events() {
        UUID blob = note(owner, inside, "travelling");
        var sub = state.buckets.create(owner, "Sub", inside);
        var within = state.blobs.move(writer, blob, null, sub.id());
        assertThat(within.bucketId()).isEqualTo(sub.id());
        assertThat(within.version()).isEqualTo(2);
        assertThatThrownBy(() -> state.blobs.move(reader, blob, null, inside)).isInstanceOf(ForbiddenException.class);
        assertThatThrownBy(() -> state.blobs.move(writer, blob, null, outside))
                .as("a bucket the sharee cannot see").isInstanceOf(ValidationException.class);
        var own = state.buckets.create(writer, "Writer's", null);
        assertThatThrownBy(() -> state.blobs.move(writer, blob, null, own.id()))
                .as("another owner's bucket").isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> state.blobs.move(owner, blob, 1L, inside))
                .isInstanceOf(studio.reyna.core.problem.PreconditionFailedException.class);

        long before = now();
        state.blobs.move(owner, blob, 2L, outside);
        state.blobs.replace(owner, blob, null, StateFixture.json("{\"title\":\"changed where it went\"}"), null);
        for (UUID sharee : List.of(reader, writer)) {
            assertThatThrownBy(() -> state.blobs.get(Principal.user(sharee), blob)).isInstanceOf(NotFoundException.class);
            assertThat(seen(sharee, before)).isEmpty();
        }
        assertThat(seen(owner, before)).containsExactly("blob.moved travelling", "blob.updated changed where it went");
    }

    @Test
    void a_bucket_is_shared_with_at_most_a_thousand_users_so_its_events_stay_small() {
        var crowded = state.buckets.create(owner, "Crowded", null);
        state.jdbi.useHandle(h -> h.execute("""
                with many as (select gen_random_uuid() as id from generate_series(1, ?))
                , users as (insert into users (id, email, display_name, password_hash)
                            select id, id || '@example.org', 'Many', 'x' from many returning id)
                insert into bucket_shares (bucket_id, user_id, access) select ?, id, 'read' from users""",
                Shares.MAX_SHARES_PER_BUCKET, crowded.id()));
        assertThatThrownBy(() -> state.shares.share(owner, crowded.id(), email(stranger), "read"))
                .isInstanceOf(studio.reyna.core.problem.ConflictException.class).hasMessageContaining("1000 users already");
        UUID one = state.shares.list(owner, crowded.id()).getFirst().userId();
        assertThat(state.shares.share(owner, crowded.id(), one + "@example.org", "write").created())
                .as("changing an existing share is not one more").isFalse();
    }

    @Test
    void a_sharee_or_link_holder_is_not_shown_the_id_of_a_parent_it_cannot_see() {
        var nested = state.buckets.create(owner, "Nested", outside);
        var child = state.buckets.create(owner, "Child", nested.id());
        state.shares.share(owner, nested.id(), email(stranger), "read");
        assertThat(state.buckets.get(Principal.user(owner), nested.id()).parentId()).isEqualTo(outside);
        assertThat(state.buckets.get(Principal.user(stranger), nested.id()).parentId()).isNull();
        assertThat(state.buckets.get(Principal.user(stranger), child.id()).parentId()).isEqualTo(nested.id());
        assertThat(state.shares.sharedWith(stranger, PageRequest.first(10)).items())
                .singleElement().satisfies(shared -> assertThat(shared.bucket().parentId()).isNull());
        var holder = state.links.resolve(state.links.create(owner, nested.id(), null).token());
        assertThat(state.buckets.get(holder, nested.id()).parentId()).isNull();
        assertThat(state.buckets.get(holder, child.id()).parentId()).isEqualTo(nested.id());
        // Asked twice, the second answer comes from the remembered decision: the same.
        assertThat(state.buckets.get(Principal.user(stranger), nested.id()).parentId()).isNull();
    }
}
