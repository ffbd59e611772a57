package studio.reyna.events.bus;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SubjectsTest {

    @ParameterizedTest(name = "{0} matches {1}")
    @CsvSource({
            "blob.created.note.u1,   blob.created.note.u1",
            "blob.*.note.>,          blob.created.note.u1",
            "blob.*.note.>,          blob.created.note.u1.extra",
            "bucket.>,               bucket.created.b1.u1",
            ">,                      blob",
            ">,                      blob.created.note.u1",
            "*,                      blob",
            "*.*,                    blob.created",
            "blob.*,                 blob.created",
    })
    void matches(String pattern, String subject) {
        assertThat(Subjects.matches(pattern, subject)).isTrue();
    }

    @ParameterizedTest(name = "{0} does not match {1}")
    @CsvSource({
            "blob.created.note.u1,   blob.created.note.u2",
            "blob.created.note.u1,   blob.created.note",
            "blob.created.note,      blob.created.note.u1",
            "blob.*.note.>,          blob.created.task.u1",
            "blob.*.note.>,          blob.created.note",
            "blob.*.note.>,          bucket.created.note.u1",
            "bucket.>,               bucket",
            "bucket.>,               blob.created.b1.u1",
            "bucket.>,               buckets.created.b1.u1",
            "*,                      blob.created",
            "blob.*,                 blob",
            "blob.*,                 blob.created.note",
            // '>' only means "the rest" as the last token; elsewhere nothing matches it.
            "blob.>.u1,              blob.created.u1",
            // A wildcard inside a token is an ordinary character, as in NATS.
            "blob.cre*.note.u1,      blob.created.note.u1",
    })
    void does_not_match(String pattern, String subject) {
        assertThat(Subjects.matches(pattern, subject)).isFalse();
    }
}
