package studio.reyna.app;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.async.ByteArrayFeeder;
import tools.jackson.core.json.JsonFactory;

/**
 * Counts the items of an export's JSON document (schemas, buckets, blobs, attachments) as its
 * bytes pass by, for the progress line: a non-blocking parser is fed each chunk as it is written
 * to the file, and nothing of the document is kept. Counting is only for show: a document it
 * cannot follow stops the count, never the download.
 */
final class ExportItems {
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private int depth;
    private long items;
    private boolean stopped;

    ExportItems() {
        var factory = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).maxNumberLength(Integer.MAX_VALUE).maxDocumentLength(-1)
                .maxNestingDepth(10_000).build()).build();
        this.parser = factory.createNonBlockingByteArrayParser(ObjectReadContext.empty());
        this.feeder = (ByteArrayFeeder) parser;
    }

    void feed(byte[] bytes, int length) {
        if (stopped) {
            return;
        }
        try {
            feeder.feedInput(bytes, 0, length);
            for (JsonToken token = parser.nextToken(); token != null && token != JsonToken.NOT_AVAILABLE; token = parser.nextToken()) {
                if (token.isStructStart()) {
                    // Depth 1 is the document, 2 a section's array, 3 one item of it.
                    if (++depth == 3 && token == JsonToken.START_OBJECT) {
                        items++;
                    }
                } else if (token.isStructEnd()) {
                    depth--;
                }
            }
        } catch (JacksonException e) {
            stopped = true;
        }
    }

    long items() {
        return items;
    }
}
