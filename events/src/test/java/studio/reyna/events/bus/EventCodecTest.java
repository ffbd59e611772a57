package studio.reyna.events.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import studio.reyna.core.event.Event;
import tools.jackson.core.JacksonException;

class EventCodecTest {
    private final EventCodec codec = TestEvents.CODEC;

    @Test
    void an_event_with_every_field_set_survives_the_round_trip() {
        var data = TestEvents.JSON.createObjectNode().put("title", "Hello").put("ratio", new BigDecimal("0.1000000000000000000001"));
        data.putArray("tags").add("a").add("b");
        data.putObject("nested").put("flag", true).putNull("nothing");
        UUID owner = UUID.randomUUID();
        var event = new Event(UUID.randomUUID(), 123_456_789_012L, "blob.created", "blob.created.note." + owner, owner,
                UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "note", 2, 7L,
                Instant.parse("2026-03-01T12:34:56.123456789Z"), data, java.util.List.of(UUID.randomUUID()));

        assertThat(codec.decode(codec.encode(event))).isEqualTo(event);
    }

    @Test
    void null_fields_and_null_data_come_back_as_null() {
        var event = new Event(UUID.randomUUID(), 0, "schema.published", "schema.published.note.u1", null, null, null,
                null, null, null, null, Instant.parse("2026-03-01T00:00:00Z"), null, null);

        Event decoded = codec.decode(codec.encode(event));

        assertThat(decoded).isEqualTo(event);
        assertThat(decoded.data()).isNull();
    }

    @Test
    void fields_added_by_a_newer_node_are_ignored() {
        var event = TestEvents.event("bucket.created.b1.u1");
        var json = (tools.jackson.databind.node.ObjectNode) TestEvents.JSON.readTree(codec.encode(event));
        json.put("addedLater", "x");

        assertThat(codec.decode(TestEvents.JSON.writeValueAsBytes(json))).isEqualTo(event);
    }

    @Test
    void bytes_that_are_not_an_envelope_are_refused() {
        assertThatThrownBy(() -> codec.decode("not json".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(JacksonException.class);
    }
}
