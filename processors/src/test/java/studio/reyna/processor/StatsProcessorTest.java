package studio.reyna.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static studio.reyna.processor.TestJson.blob;
import static studio.reyna.processor.TestJson.settings;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

class StatsProcessorTest {
    private final StatsProcessor stats = new StatsProcessor();

    private JsonNode statsOf(String data) {
        return stats.derive(blob(data), stats.defaultSettings());
    }

    private long wordsIn(String text) {
        return stats.derive(ProcessorInput.ofBlob(JsonNodeFactory.instance.stringNode(text), TestJson.json("{}")),
                stats.defaultSettings()).path("words").longValue();
    }

    @Test
    void counts_words_and_characters_of_every_string_value_but_not_property_names_or_numbers() {
        JsonNode result = statsOf("""
                {"title": "Hello world", "count": 12345, "draft": true,
                 "sections": [{"text": "one two three"}, {"text": "four"}], "nothing": null}""");

        assertThat(result.path("words").longValue()).isEqualTo(6);
        assertThat(result.path("characters").longValue()).isEqualTo("Hello world".length() + "one two three".length() + "four".length());
        assertThat(result.path("readingSeconds").longValue()).isEqualTo(2);
    }

    @Test
    void counts_characters_as_code_points_not_utf16_units() {
        JsonNode result = statsOf("{\"text\": \"😀 𝄞 \uD840\uDC0B\"}");

        assertThat(result.path("characters").longValue()).isEqualTo(5);
    }

    @Test
    void counts_german_and_french_words_with_umlauts_elisions_and_hyphens_as_one() {
        assertThat(wordsIn("Die Größe der Straße über dem Fluß")).isEqualTo(7);
        assertThat(wordsIn("Die E-Mail-Adresse des Donaudampfschifffahrtskapitäns")).isEqualTo(4);
        assertThat(wordsIn("L'homme qu'on voit aujourd'hui, c'est naïf.")).isEqualTo(6);
        assertThat(wordsIn("« Où est-ce ? » — « Là ! »")).isEqualTo(3);
        // "é" written as "e" followed by a combining acute accent is still one word.
        assertThat(wordsIn("cafe\u0301 cre\u0300me")).isEqualTo(2);
    }

    @Test
    void counts_each_chinese_and_japanese_character_as_a_word_and_korean_by_spaces() {
        assertThat(wordsIn("我爱北京")).isEqualTo(4);
        assertThat(wordsIn("東京へ行きます")).isEqualTo(7);
        assertThat(wordsIn("Hello世界")).isEqualTo(3);
        assertThat(wordsIn("안녕하세요 세계")).isEqualTo(2);
    }

    @Test
    void keeps_numbers_with_separators_together_and_splits_on_punctuation_and_symbols() {
        assertThat(wordsIn("Pi is 3.14, and 1,000 items—done. End")).isEqualTo(8);
        assertThat(wordsIn("a--b 'quoted' x-")).isEqualTo(4);
        assertThat(wordsIn("   ... !!! 😀 ")).isZero();
    }

    @Test
    void reading_time_is_rounded_up_at_the_configured_speed() {
        String twoMinutes = "{\"text\": \"" + "word ".repeat(460) + "\"}";

        assertThat(statsOf(twoMinutes).path("readingSeconds").longValue()).isEqualTo(120);
        assertThat(stats.derive(blob(twoMinutes), settings("{\"wordsPerMinute\": 460, \"fields\": []}")).path("readingSeconds").longValue()).isEqualTo(60);
        assertThat(stats.derive(blob(twoMinutes), settings("{\"wordsPerMinute\": 1000, \"fields\": []}")).path("readingSeconds").longValue()).isEqualTo(28);
        assertThat(statsOf("{\"text\": \"one\"}").path("readingSeconds").longValue()).isEqualTo(1);
    }

    @Test
    void an_out_of_range_speed_is_held_to_the_schema_bounds() {
        String text = "{\"text\": \"" + "word ".repeat(50) + "\"}";

        assertThat(stats.derive(blob(text), settings("{\"wordsPerMinute\": 0}")).path("readingSeconds").longValue()).isEqualTo(60);
    }

    @Test
    void reads_only_the_listed_fields_each_once() {
        String data = """
                {"title": "not counted here", "body": {"intro": "one two", "main": ["three", "four five"]}, "a/b": "six"}""";

        JsonNode result = stats.derive(blob(data), settings("{\"wordsPerMinute\": 230, \"fields\": [\"/body\", \"/body/intro\", \"/a~1b\", \"/missing\"]}"));

        assertThat(result.path("words").longValue()).isEqualTo(6);
        assertThat(result.path("characters").longValue()).isEqualTo("one two".length() + "three".length() + "four five".length() + "six".length());
    }

    @Test
    void data_without_text_has_zero_counts() {
        JsonNode result = statsOf("{\"n\": 1, \"empty\": \"\", \"list\": []}");

        assertThat(result.path("words").longValue()).isZero();
        assertThat(result.path("characters").longValue()).isZero();
        assertThat(result.path("readingSeconds").longValue()).isZero();
    }
}
