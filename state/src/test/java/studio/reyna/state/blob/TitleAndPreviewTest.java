package studio.reyna.state.blob;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import studio.reyna.core.json.Json;
import tools.jackson.databind.JsonNode;

class TitleAndPreviewTest {
    private static JsonNode json(String text) {
        return Json.newMapper(100_000).readTree(text);
    }

    @Test
    void takes_the_fields_the_schema_points_at() {
        var derived = TitleAndPreview.of(json("{\"x-reyna-title\":\"name\",\"x-reyna-preview\":\"/meta/summary\"}"),
                json("{\"intro\":\"ignored\",\"name\":\"Ada\",\"meta\":{\"summary\":\"Mathematician\"}}"));
        assertThat(derived).isEqualTo(new TitleAndPreview("Ada", "Mathematician"));
    }

    @Test
    void otherwise_uses_the_first_strings_in_the_order_the_schema_declares() {
        var schema = json("{\"properties\":{\"title\":{},\"body\":{},\"tags\":{}}}");
        var derived = TitleAndPreview.of(schema, json("{\"body\":\"Text  with\\n spaces\",\"count\":3,\"title\":\"Hello\",\"extra\":\"More\"}"));
        assertThat(derived).isEqualTo(new TitleAndPreview("Hello", "Text with spaces · More"));
    }

    @Test
    void an_annotated_title_is_not_repeated_in_the_preview() {
        var derived = TitleAndPreview.of(json("{\"x-reyna-title\":\"/b\"}"), json("{\"a\":\"first\",\"b\":\"second\"}"));
        assertThat(derived).isEqualTo(new TitleAndPreview("second", "first"));
    }

    @Test
    void works_for_data_that_is_not_an_object() {
        assertThat(TitleAndPreview.of(json("true"), json("\"just text\""))).isEqualTo(new TitleAndPreview("just text", ""));
        assertThat(TitleAndPreview.of(json("{}"), json("[1,2]"))).isEqualTo(new TitleAndPreview("", ""));
        assertThat(TitleAndPreview.of(json("{\"x-reyna-title\":\"a\"}"), json("42"))).isEqualTo(new TitleAndPreview("", ""));
    }

    @Test
    void clips_long_text_without_splitting_a_character() {
        String longTitle = "a".repeat(198) + "😀😀";
        var derived = TitleAndPreview.of(json("{}"), json("{\"t\":\"" + longTitle + "\",\"p\":\"" + "b".repeat(500) + "\"}"));
        assertThat(derived.title()).hasSizeLessThanOrEqualTo(TitleAndPreview.MAX_TITLE).endsWith("…");
        assertThat(Character.isHighSurrogate(derived.title().charAt(derived.title().length() - 2))).isFalse();
        assertThat(derived.preview()).hasSize(TitleAndPreview.MAX_PREVIEW);
    }
}
