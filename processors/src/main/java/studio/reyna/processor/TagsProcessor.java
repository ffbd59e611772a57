package studio.reyna.processor;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Picks keywords from a blob's text: the words of {@link Words}, lower-cased, without English and
 * German stop words, numbers, words of one or two characters, web addresses and e-mail addresses;
 * an English possessive ("studio's") counts as its word. The most frequent come first, ties in
 * order of first appearance. Chinese and Japanese characters are single-character words, so
 * they never become tags (there is no dictionary to segment them).
 */
final class TagsProcessor implements Processor {
    private static final String MAX = "max";
    private static final Settings SETTINGS = Settings.fromSchema("""
            {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "type": "object", "additionalProperties": false,
             "properties": {
               "max": {"type": "integer", "minimum": 1, "maximum": 20, "default": 5,
                       "description": "How many tags to keep at most."},
               "fields": %s}}""".formatted(Texts.FIELDS_SCHEMA));
    private static final Set<String> STOP_WORDS = loadStopWords("stopwords-en.txt", "stopwords-de.txt");
    /** Addresses are not topics: "https", "www" and "com" would otherwise top many lists. */
    private static final Pattern ADDRESSES = Pattern.compile(
            "(?i)(?:\\b[a-z][a-z0-9+.-]*://|\\bwww\\.|\\bmailto:)\\S*|\\S+@\\S+");
    private static final int MIN_LENGTH = 3;

    @Override
    public String name() {
        return "tags";
    }

    @Override
    public String description() {
        return "Suggests keywords for a blob: its most frequent meaningful words.";
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
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String text : Texts.collect(input.data(), SETTINGS.strings(settings, Texts.FIELDS))) {
            Words.split(ADDRESSES.matcher(text).replaceAll(" "), word -> {
                String candidate = candidate(word);
                if (candidate != null) {
                    counts.merge(candidate, 1, Integer::sum);
                }
            });
        }
        if (counts.isEmpty()) {
            return null;
        }
        var tags = JsonNodeFactory.instance.arrayNode();
        // A stable sort keeps first-appearance order among equal counts.
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
                .limit(SETTINGS.integer(settings, MAX))
                .forEach(entry -> tags.add(entry.getKey()));
        return JsonNodeFactory.instance.objectNode().set("tags", tags);
    }

    private static String candidate(String word) {
        String lower = word.toLowerCase(Locale.ROOT).replace('\u2019', '\'');
        if (lower.endsWith("'s")) {
            lower = lower.substring(0, lower.length() - 2);
        }
        if (lower.codePointCount(0, lower.length()) < MIN_LENGTH || STOP_WORDS.contains(lower) || lower.codePoints().noneMatch(Character::isLetter)) {
            return null;
        }
        return lower;
    }

    private static Set<String> loadStopWords(String... resources) {
        var words = new HashSet<String>();
        for (String resource : resources) {
            try (var in = TagsProcessor.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + resource);
                }
                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                        .map(String::strip)
                        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                        .forEach(words::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Set.copyOf(words);
    }
}
