package studio.reyna.events.bus;

import java.time.Instant;
import java.util.UUID;
import studio.reyna.core.event.Event;
import studio.reyna.core.json.Json;
import tools.jackson.databind.json.JsonMapper;

final class TestEvents {
    static final JsonMapper JSON = Json.newStoredMapper();
    static final EventCodec CODEC = new EventCodec(JSON);

    private TestEvents() {
    }

    /** A complete event of {@code subject} (its type: the first two tokens) with a small data object. */
    static Event event(String subject) {
        UUID owner = UUID.randomUUID();
        String[] tokens = subject.split("\\.");
        String type = tokens.length > 1 ? tokens[0] + "." + tokens[1] : tokens[0];
        var data = JSON.createObjectNode().put("title", "Title of " + subject).put("words", 42);
        return new Event(UUID.randomUUID(), 17, type, subject, owner, owner, UUID.randomUUID(), UUID.randomUUID(),
                "note", 1, 3L, Instant.parse("2026-03-01T12:34:56.123456Z"), data, java.util.List.of(UUID.randomUUID()));
    }
}
