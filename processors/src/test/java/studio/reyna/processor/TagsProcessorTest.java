package studio.reyna.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static studio.reyna.processor.TestJson.blob;
import static studio.reyna.processor.TestJson.settings;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TagsProcessorTest {
    private final TagsProcessor tags = new TagsProcessor();

    private List<String> tagsOf(String data) {
        return tagsOf(data, tags.defaultSettings());
    }

    private List<String> tagsOf(String data, JsonNode settings) {
        JsonNode result = tags.derive(blob(data), settings);
        assertThat(result).isNotNull();
        var list = new ArrayList<String>();
        result.path("tags").values().forEach(tag -> list.add(tag.stringValue()));
        return list;
    }

    @Test
    void ranks_words_by_frequency_with_ties_in_order_of_first_appearance() {
        List<String> result = tagsOf("""
                {"title": "Gardening notes",
                 "body": "Tomatoes need sun. Tomatoes need water. Basil likes sun and water; basil grows fast. Tomatoes!"}""");

        assertThat(result).containsExactly("tomatoes", "need", "sun", "water", "basil");
    }

    @Test
    void drops_english_and_german_stop_words_numbers_and_short_words() {
        List<String> result = tagsOf("""
                {"en": "The studio and the studio's editor: it is what it is, 2024 or 1.5 or 42.",
                 "de": "Der Editor und die Vorlage für das Studio, über die wir sprechen, wenn wir können."}""");

        assertThat(result).containsExactly("studio", "editor", "vorlage", "sprechen");
    }

    @Test
    void merges_case_variants_in_lower_case() {
        assertThat(tagsOf("{\"text\": \"Kubernetes KUBERNETES kubernetes Docker\"}")).containsExactly("kubernetes", "docker");
        assertThat(tagsOf("{\"text\": \"ÜBERGRÖSSE Übergrösse\"}")).containsExactly("übergrösse");
    }

    @Test
    void ignores_web_and_email_addresses() {
        List<String> result = tagsOf("""
                {"text": "Photos at https://photos.example.com/albums/summer and www.example.org, mail photos@example.com — photos"}""");

        assertThat(result).containsExactly("photos", "mail");
    }

    @Test
    void keeps_at_most_max_tags() {
        String data = "{\"text\": \"alpha beta gamma delta epsilon zeta eta theta iota kappa\"}";

        assertThat(tagsOf(data)).containsExactly("alpha", "beta", "gamma", "delta", "epsilon");
        assertThat(tagsOf(data, settings("{\"max\": 2, \"fields\": []}"))).containsExactly("alpha", "beta");
        assertThat(tagsOf(data, settings("{\"max\": 20, \"fields\": []}"))).hasSize(10);
    }

    @Test
    void reads_only_the_listed_fields() {
        String data = "{\"title\": \"ignored words here\", \"body\": \"chosen\"}";

        assertThat(tagsOf(data, settings("{\"max\": 5, \"fields\": [\"/body\"]}"))).containsExactly("chosen");
    }

    @Test
    void returns_null_when_the_text_has_no_candidates() {
        assertThat(tags.derive(blob("{\"text\": \"It is what it is, and that is all: 1, 22, 333.\"}"), tags.defaultSettings())).isNull();
        assertThat(tags.derive(blob("{\"text\": \"我爱北京天安门\"}"), tags.defaultSettings())).isNull();
        assertThat(tags.derive(blob("{\"n\": 5}"), tags.defaultSettings())).isNull();
    }
}
