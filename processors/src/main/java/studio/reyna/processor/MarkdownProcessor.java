package studio.reyna.processor;

import java.util.List;
import java.util.Map;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.safety.Safelist;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Renders the markdown fields of a blob (see {@link MarkdownFields}) as CommonMark to HTML, then
 * cleans that HTML with an allow-list, so the result is safe to insert into a page.
 *
 * <p>The allow-list is jsoup's {@link Safelist#relaxed()} plus {@code <hr>}, narrowed: links may point only to
 * {@code http}, {@code https} and {@code mailto} URLs and images only to {@code http} and
 * {@code https} ones (so no {@code javascript:}, {@code data:} or relative URLs: such an
 * attribute is dropped, its element kept), and every link gets {@code rel="nofollow noopener"}.
 * Anything else is removed: scripts and styles with their content, event handler and style
 * attributes, iframes, forms, and elements the list does not name (their text is kept). Raw HTML
 * in the markdown goes through the same cleaning. Entities are decoded before URLs are checked,
 * so {@code javascript&#58;} is caught.
 */
final class MarkdownProcessor implements Processor {
    private static final String SOFT_BREAKS = "softBreaksAsLineBreaks";
    private static final String TABLES = "tables";
    private static final Settings SETTINGS = Settings.fromSchema("""
            {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "type": "object", "additionalProperties": false,
             "properties": {
               "softBreaksAsLineBreaks": {"type": "boolean", "default": false,
                                          "description": "Render a single line break as <br> instead of a space."},
               "tables": {"type": "boolean", "default": true,
                          "description": "Render GitHub-style pipe tables."}}}""");
    /**
     * Limits on nesting keep a hostile document (thousands of nested quotes or brackets) from
     * exhausting the stack; deeper nesting is rendered as text.
     */
    private static final int MAX_NESTING = 64;

    private final Parser plainParser = parser(List.of());
    private final Parser tablesParser = parser(List.of(TablesExtension.create()));
    private final HtmlRenderer spaceRenderer = renderer("\n");
    private final HtmlRenderer lineBreakRenderer = renderer("<br>\n");
    private final Safelist safelist = Safelist.relaxed()
            // A thematic break ("---"): an empty element that carries no attribute.
            .addTags("hr")
            .removeProtocols("a", "href", "ftp")
            .addEnforcedAttribute("a", "rel", "nofollow noopener");
    private final Document.OutputSettings output = new Document.OutputSettings().prettyPrint(false);

    @Override
    public String name() {
        return "markdown";
    }

    @Override
    public String description() {
        return "Renders the blob's markdown fields (contentMediaType text/markdown) as sanitised HTML.";
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
        Map<JsonPointer, String> markdown = MarkdownFields.find(input.schemaDocument(), input.data());
        if (markdown.isEmpty()) {
            return null;
        }
        Parser parser = SETTINGS.bool(settings, TABLES) ? tablesParser : plainParser;
        HtmlRenderer renderer = SETTINGS.bool(settings, SOFT_BREAKS) ? lineBreakRenderer : spaceRenderer;
        ObjectNode fields = JsonNodeFactory.instance.objectNode();
        markdown.forEach((pointer, text) -> fields.put(pointer.toString(), html(text, parser, renderer)));
        return JsonNodeFactory.instance.objectNode().set("fields", fields);
    }

    private String html(String markdown, Parser parser, HtmlRenderer renderer) {
        String rendered = renderer.render(parser.parse(markdown));
        return Jsoup.clean(rendered, "", safelist, output);
    }

    private static Parser parser(List<Extension> extensions) {
        return Parser.builder().extensions(extensions).maxOpenBlockParsers(MAX_NESTING).maxInlineNesting(MAX_NESTING).build();
    }

    private static HtmlRenderer renderer(String softBreak) {
        return HtmlRenderer.builder().extensions(List.of(TablesExtension.create())).softbreak(softBreak).build();
    }
}
