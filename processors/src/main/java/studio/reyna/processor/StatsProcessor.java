package studio.reyna.processor;

import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Counts the words and characters of a blob's text and estimates its reading time. Words follow
 * {@link Words}; characters are Unicode code points (an emoji or a CJK character outside the
 * Basic Multilingual Plane is one, not two UTF-16 units), spaces and punctuation included.
 * Reading time is words ÷ words-per-minute, rounded up to the whole second. Text with no
 * words still has a result (all zeros), so emptied fields replace an older count.
 */
final class StatsProcessor implements Processor {
    private static final String WORDS_PER_MINUTE = "wordsPerMinute";
    private static final Settings SETTINGS = Settings.fromSchema("""
            {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "type": "object", "additionalProperties": false,
             "properties": {
               "wordsPerMinute": {"type": "integer", "minimum": 50, "maximum": 1000, "default": 230,
                                  "description": "Reading speed used for the reading time."},
               "fields": %s}}""".formatted(Texts.FIELDS_SCHEMA));

    @Override
    public String name() {
        return "stats";
    }

    @Override
    public String description() {
        return "Counts the words and characters of a blob's text and estimates how long it takes to read.";
    }

    @Override
    public List<String> subjects() {
        return List.of("blob.created.>", "blob.updated.>");
    }

    @Override
    public JsonNode settingsSchema() {
        return SETTINGS.schema();
    }

    @Override
    public JsonNode defaultSettings() {
        return SETTINGS.defaults();
    }

    @Override
    public JsonNode derive(ProcessorInput input, JsonNode settings) {
        long words = 0;
        long characters = 0;
        for (String text : Texts.collect(input.data(), SETTINGS.strings(settings, Texts.FIELDS))) {
            words += Words.count(text);
            characters += text.codePointCount(0, text.length());
        }
        int wordsPerMinute = SETTINGS.integer(settings, WORDS_PER_MINUTE);
        long readingSeconds = Math.ceilDiv(words * 60, wordsPerMinute);
        return JsonNodeFactory.instance.objectNode()
                .put("words", words)
                .put("characters", characters)
                .put("readingSeconds", readingSeconds);
    }
}
