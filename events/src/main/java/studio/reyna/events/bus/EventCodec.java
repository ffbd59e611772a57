package studio.reyna.events.bus;

import studio.reyna.core.event.Event;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.node.NullNode;

/** The bytes of an event on the bus: its envelope as one JSON object. */
public final class EventCodec {
    private final ObjectMapper json;
    private final ObjectReader eventReader;

    public EventCodec(ObjectMapper json) {
        this.json = json;
        // During a rolling upgrade an older node must still read the envelopes of a newer one.
        this.eventReader = json.readerFor(Event.class).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    public byte[] encode(Event event) {
        return json.writeValueAsBytes(event);
    }

    /** Throws {@link tools.jackson.core.JacksonException} when {@code bytes} is not an event envelope. */
    public Event decode(byte[] bytes) {
        Event event = eventReader.readValue(bytes);
        if (event.data() instanceof NullNode) {
            // Jackson reads "data": null as a NullNode; writers and the event log say "no data" with null.
            return new Event(event.id(), event.cursor(), event.type(), event.subject(), event.ownerId(),
                    event.actorId(), event.bucketId(), event.blobId(), event.schemaId(), event.schemaVersion(),
                    event.version(), event.time(), null, event.audience());
        }
        return event;
    }
}
