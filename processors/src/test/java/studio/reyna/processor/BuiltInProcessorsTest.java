package studio.reyna.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

class BuiltInProcessorsTest {

    @Test
    void lists_markdown_stats_tags_and_thumbnail_in_that_order() {
        assertThat(BuiltInProcessors.all()).extracting(Processor::name).containsExactly("markdown", "stats", "tags", "thumbnail");
    }

    @Test
    void blob_processors_consume_created_and_updated_blobs_and_thumbnail_added_attachments() {
        for (Processor processor : BuiltInProcessors.all()) {
            List<String> expected = processor.name().equals("thumbnail")
                    ? List.of("attachment.added.>")
                    : List.of("blob.created.>", "blob.updated.>");
            assertThat(processor.subjects()).as(processor.name()).isEqualTo(expected);
            assertThat(processor.description()).as(processor.name()).isNotBlank().endsWith(".");
        }
    }

    @Test
    void every_setting_has_a_default_and_the_defaults_are_exactly_those() {
        for (Processor processor : BuiltInProcessors.all()) {
            JsonNode schema = processor.settingsSchema();
            JsonNode defaults = processor.defaultSettings();
            assertThat(schema.path("properties").propertyNames()).as(processor.name()).isNotEmpty();
            assertThat(defaults.propertyNames()).as(processor.name())
                    .containsExactlyInAnyOrderElementsOf(schema.path("properties").propertyNames());
            schema.path("properties").properties().forEach(property ->
                    assertThat(defaults.get(property.getKey())).as(processor.name() + "." + property.getKey())
                            .isEqualTo(property.getValue().get("default")));
        }
    }

    @Test
    void settings_schemas_are_draft_2020_12_objects_that_refuse_unknown_settings() {
        for (Processor processor : BuiltInProcessors.all()) {
            JsonNode schema = processor.settingsSchema();
            assertThat(schema.path("$schema").stringValue()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
            assertThat(schema.path("type").stringValue()).isEqualTo("object");
            assertThat(schema.path("additionalProperties").booleanValue()).as(processor.name()).isFalse();
        }
    }

    @Test
    void changing_a_returned_schema_or_defaults_does_not_change_the_processor() {
        Processor stats = BuiltInProcessors.all().get(1);
        ((ObjectNode) stats.settingsSchema()).removeAll();
        ((ObjectNode) stats.defaultSettings()).put("wordsPerMinute", 1);

        assertThat(stats.settingsSchema().path("properties").has("wordsPerMinute")).isTrue();
        assertThat(stats.defaultSettings().path("wordsPerMinute").intValue()).isEqualTo(230);
    }
}
