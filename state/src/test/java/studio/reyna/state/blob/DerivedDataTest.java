package studio.reyna.state.blob;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import studio.reyna.state.StateFixture;
import studio.reyna.state.access.Principal;

/** What processors write back: beside the user's data, never over a newer result, never onto a deleted blob. */
class DerivedDataTest {
    private final StateFixture state = new StateFixture();

    @Test
    void a_result_is_kept_under_the_processors_name_with_its_source_version_and_an_event_but_the_data_and_etag_stay() {
        UUID owner = state.newUser();
        var blob = newBlob(owner);

        assertThat(write(blob, "stats", 1, StateFixture.json("{\"words\":2}"))).isTrue();

        var read = state.blobs.get(Principal.user(owner), blob.id());
        assertThat(read.derived().at("/stats/sourceVersion").asLong()).isEqualTo(1);
        assertThat(read.derived().at("/stats/result/words").asInt()).isEqualTo(2);
        assertThat(read.version()).isEqualTo(1);
        assertThat(read.data()).isEqualTo(blob.data());
        assertThat(eventTypes(blob.id())).containsExactly("blob.created", "blob.derived");
    }

    @Test
    void a_result_from_an_older_version_never_replaces_one_from_a_newer_version() {
        UUID owner = state.newUser();
        var blob = newBlob(owner);
        state.blobs.replace(owner, blob.id(), 1L, StateFixture.json("{\"title\":\"second\"}"), null);

        assertThat(write(blob, "tags", 2, StateFixture.json("{\"tags\":[\"second\"]}"))).isTrue();
        assertThat(write(blob, "tags", 1, StateFixture.json("{\"tags\":[\"first\"]}"))).isFalse();
        // Another processor's result is its own.
        assertThat(write(blob, "stats", 1, StateFixture.json("{\"words\":1}"))).isTrue();

        var derived = state.blobs.get(Principal.user(owner), blob.id()).derived();
        assertThat(derived.at("/tags/result/tags/0").asString()).isEqualTo("second");
        assertThat(derived.at("/stats/sourceVersion").asLong()).isEqualTo(1);
        // The same result again (a redelivered event) is harmless.
        assertThat(write(blob, "tags", 2, StateFixture.json("{\"tags\":[\"second\"]}"))).isTrue();
    }

    @Test
    void a_result_for_a_version_the_blob_never_had_or_a_deleted_blob_is_not_written() {
        UUID owner = state.newUser();
        var blob = newBlob(owner);
        assertThat(write(blob, "stats", 7, StateFixture.json("{}"))).isFalse();

        state.blobs.delete(owner, blob.id(), null);
        assertThat(write(blob, "stats", 1, StateFixture.json("{}"))).isFalse();
        assertThat(eventTypes(blob.id())).containsExactly("blob.created", "blob.deleted");
    }

    @Test
    void a_batch_stores_the_newest_result_per_blob_and_processor_with_one_event_each() {
        UUID owner = state.newUser();
        var first = newBlob(owner);
        var second = newBlob(owner);
        state.blobs.replace(owner, first.id(), 1L, StateFixture.json("{\"title\":\"again\"}"), null);
        var batch = java.util.List.of(
                new Blobs.Derived(first.id(), "tags", 2, StateFixture.json("{\"tags\":[\"again\"]}")),
                new Blobs.Derived(first.id(), "tags", 1, StateFixture.json("{\"tags\":[\"first\"]}")), // older, same batch
                new Blobs.Derived(first.id(), "stats", 2, StateFixture.json("{\"words\":1}")),
                new Blobs.Derived(second.id(), "tags", 1, StateFixture.json("{\"tags\":[\"first\"]}")),
                new Blobs.Derived(second.id(), "stats", 9, StateFixture.json("{}"))); // a version it never had

        assertThat(state.blobs.writeDerived(batch)).isEqualTo(3);

        var firstDerived = state.blobs.get(Principal.user(owner), first.id()).derived();
        assertThat(firstDerived.at("/tags/result/tags/0").asString()).isEqualTo("again");
        assertThat(firstDerived.at("/stats/sourceVersion").asLong()).isEqualTo(2);
        var secondDerived = state.blobs.get(Principal.user(owner), second.id()).derived();
        assertThat(secondDerived.at("/tags/sourceVersion").asLong()).isEqualTo(1);
        assertThat(secondDerived.has("stats")).isFalse();
        assertThat(eventTypes(first.id())).containsExactly("blob.created", "blob.updated", "blob.derived", "blob.derived");
        assertThat(eventTypes(second.id())).containsExactly("blob.created", "blob.derived");
    }

    @Test
    void processors_writing_results_for_the_same_blobs_at_once_in_different_orders_all_succeed() throws Exception {
        UUID owner = state.newUser();
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B " + UUID.randomUUID(), null);
        var blobs = new java.util.ArrayList<Blob>();
        for (int i = 0; i < 150; i++) {
            blobs.add(state.blobs.create(owner, bucket.id(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"n" + i + "\"}"))));
        }
        var processors = java.util.List.of("markdown", "stats", "tags", "extra");
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(processors.size())) {
            var done = new java.util.ArrayList<java.util.concurrent.Future<Integer>>();
            for (int p = 0; p < processors.size(); p++) {
                var order = new java.util.ArrayList<>(blobs);
                java.util.Collections.shuffle(order, new java.util.Random(p));
                String processor = processors.get(p);
                done.add(pool.submit(() -> {
                    int written = 0;
                    for (int round = 0; round < 5; round++) {
                        written += state.blobs.writeDerived(order.stream()
                                .map(b -> new Blobs.Derived(b.id(), processor, 1, StateFixture.json("{\"ok\":true}"))).toList());
                    }
                    return written;
                }));
            }
            for (var result : done) {
                assertThat(result.get()).isEqualTo(5 * 150); // no deadlock, every result written
            }
        }
        assertThat(state.blobs.get(Principal.user(owner), blobs.getFirst().id()).derived().size()).isEqualTo(4);
    }

    /** Writes one result, as a processor's batch of one; whether it was written. */
    private boolean write(Blob blob, String processor, long sourceVersion, tools.jackson.databind.JsonNode result) {
        int written = state.blobs.writeDerived(java.util.List.of(new Blobs.Derived(blob.id(), processor, sourceVersion, result)));
        assertThat(written).isBetween(0, 1);
        return written == 1;
    }

    private Blob newBlob(UUID owner) {
        String schema = state.noteSchema(owner);
        var bucket = state.buckets.create(owner, "B " + UUID.randomUUID(), null);
        return state.blobs.create(owner, bucket.id(), new NewBlob(schema, null, StateFixture.json("{\"title\":\"first\"}")));
    }

    private java.util.List<String> eventTypes(UUID blobId) {
        return state.jdbi.withHandle(h -> h.createQuery("select type from events where blob_id = ? order by write_seq")
                .bind(0, blobId).mapTo(String.class).list());
    }
}
