package studio.reyna.gateway.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import studio.reyna.core.problem.RangeNotSatisfiableException;

class ByteRangeTest {
    @Test
    void reads_the_three_forms_of_one_range() {
        assertThat(ByteRange.parse("bytes=0-99", 1000)).isEqualTo(new ByteRange(0, 99));
        assertThat(ByteRange.parse("bytes=990-", 1000)).isEqualTo(new ByteRange(990, 999));
        assertThat(ByteRange.parse("bytes=-10", 1000)).isEqualTo(new ByteRange(990, 999));
        assertThat(ByteRange.parse("Bytes=5-5", 1000)).isEqualTo(new ByteRange(5, 5));
        // A last byte past the end, or a suffix longer than the file, is cut to the file.
        assertThat(ByteRange.parse("bytes=900-5000", 1000)).isEqualTo(new ByteRange(900, 999));
        assertThat(ByteRange.parse("bytes=-5000", 1000)).isEqualTo(new ByteRange(0, 999));
        assertThat(ByteRange.parse("bytes=900-5000", 1000).length()).isEqualTo(100);
    }

    @Test
    void ignores_what_it_does_not_serve_and_sends_the_whole_file() {
        for (String header : new String[] {null, "items=0-1", "bytes=0-1,5-6", "bytes=abc", "bytes=5-1", "bytes=-",
                "bytes=1-x", "bytes=99999999999999999999-"}) {
            assertThat(ByteRange.parse(header, 1000)).as(header).isNull();
        }
    }

    @Test
    void refuses_a_range_that_starts_past_the_end() {
        assertThatThrownBy(() -> ByteRange.parse("bytes=1000-", 1000)).isInstanceOf(RangeNotSatisfiableException.class)
                .satisfies(e -> assertThat(((RangeNotSatisfiableException) e).size()).isEqualTo(1000));
        assertThatThrownBy(() -> ByteRange.parse("bytes=-0", 1000)).isInstanceOf(RangeNotSatisfiableException.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=0-", 0)).isInstanceOf(RangeNotSatisfiableException.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=-5", 0)).isInstanceOf(RangeNotSatisfiableException.class);
    }
}
