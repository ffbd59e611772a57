package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/v1/search} through the HTTP API: relevance, the query language, pages, filters,
 * and that nobody finds what they may not read. Every test has users of its own, so what it finds
 * is exactly what it made.
 */
class SearchTest {
    private static final Api API = TestStudio.api();
    private static final String SCHEMA = "search-note-" + UUID.randomUUID().toString().substring(0, 8);

    static {
        var owner = API.register("schema-owner");
        Api.expect(API.post("/api/v1/schemas", owner.get("accessToken").asString(), Api.JSON.readTree("""
                {"id":"%s","name":"Note","schema":{"type":"object","required":["title"],"properties":{
                  "title":{"type":"string"},"body":{"type":"string"}}}}""".formatted(SCHEMA))), 201);
    }

    /** A signed-in user with one bucket to put blobs in. */
    private record User(String token, String email, String id, String bucket) {
        static User register(String name) {
            var session = API.register(name);
            String token = session.get("accessToken").asString();
            String bucket = Api.expect(API.post("/api/v1/buckets", token, Map.of("name", "Notes")), 201).get("id").asString();
            return new User(token, session.at("/user/email").asString(), session.at("/user/id").asString(), bucket);
        }

        String note(String title, String body) {
            return note(bucket, SCHEMA, title, body);
        }

        String note(String bucketId, String schemaId, String title, String body) {
            var data = Api.JSON.createObjectNode().put("title", title).put("body", body);
            var request = Api.JSON.createObjectNode().put("schemaId", schemaId);
            request.set("data", data);
            return Api.expect(API.post("/api/v1/buckets/" + bucketId + "/blobs", token, request), 201).get("id").asString();
        }

        String bucket(String name, String parentId) {
            var body = new java.util.HashMap<String, Object>(Map.of("name", name));
            if (parentId != null) {
                body.put("parentId", parentId);
            }
            return Api.expect(API.post("/api/v1/buckets", token, body), 201).get("id").asString();
        }

        Api.Response search(String query) {
            return API.get("/api/v1/search?" + query, token);
        }

        /** The ids found for {@code q} (first page, up to 200), best first. */
        List<String> find(String q) {
            return ids(Api.expect(search("limit=200&q=" + encode(q)), 200));
        }
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private static List<String> ids(JsonNode page) {
        var ids = new ArrayList<String>();
        page.get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    @Test
    void ranks_title_hits_above_preview_hits_and_more_hits_above_fewer() {
        var ann = User.register("ann");
        String inPreviewOnly = ann.note("Shopping list", "milk, bread and a laptop charger");
        String inTitleOnly = ann.note("Laptop repair", "the screen flickers");
        String inTitleAndPreview = ann.note("Laptop stand", "a laptop stand keeps the laptop cool");
        ann.note("Garden plan", "tomatoes and beans");
        String inPreviewTwice = ann.note("Desk", "laptop here, laptop there");

        assertThat(ann.find("laptop")).containsExactly(inTitleAndPreview, inTitleOnly, inPreviewTwice, inPreviewOnly);
    }

    @Test
    void every_word_must_match_and_words_are_found_in_any_order() {
        var ann = User.register("ann");
        String both = ann.note("Quarterly budget review", "numbers for the board");
        ann.note("Budget", "no review here");
        ann.note("Review of the garden", "");

        assertThat(ann.find("review quarterly")).containsExactly(both);
        assertThat(ann.find("board budget")).containsExactly(both);
    }

    @Test
    void the_last_word_matches_the_beginning_of_a_word() {
        var ann = User.register("ann");
        String laptop = ann.note("Laptop repair", "");
        String lapwing = ann.note("Lapwing sighting", "a bird by the lake");

        assertThat(ann.find("lapt")).containsExactly(laptop);
        assertThat(ann.find("lap")).containsExactlyInAnyOrder(laptop, lapwing);
        assertThat(ann.find("repair lapt")).containsExactly(laptop);
        // Only the last word is a prefix: "lapt" before another word must match a whole word.
        assertThat(ann.find("lapt repair")).isEmpty();
    }

    @Test
    void a_last_word_that_begins_very_many_words_still_finds_them_all() {
        var ann = User.register("ann");
        String prefix = uniqueLetters();
        var notes = new ArrayList<String>();
        for (int blob = 0; blob < 6; blob++) {
            var words = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                int n = blob * 20 + i;
                words.append(prefix).append((char) ('a' + n / 26)).append((char) ('a' + n % 26)).append(' ');
            }
            notes.add(ann.note("Words " + blob, words.toString().strip()));
        }

        assertThat(ann.find(prefix)).containsExactlyInAnyOrderElementsOf(notes);
        assertThat(ann.find(prefix + "ac")).containsExactly(notes.getFirst());
    }

    @Test
    void a_changed_title_is_found_by_its_new_words_at_once() {
        var ann = User.register("ann");
        String word = uniqueLetters();
        String note = ann.note("Before", "");
        Api.expect(API.call("PUT", "/api/v1/blobs/" + note, ann.token(), "application/json",
                "{\"data\":{\"title\":\"After " + word + "\"}}", Map.of("If-Match", "\"1\"")), 200);

        assertThat(ann.find(word.substring(0, 6))).containsExactly(note);
        assertThat(ann.find("before")).isEmpty();
    }

    /** Eight letters no other test writes: its words begin with something no one else's do. */
    private static String uniqueLetters() {
        var random = new java.util.Random();
        var letters = new StringBuilder("zq");
        for (int i = 0; i < 6; i++) {
            letters.append((char) ('a' + random.nextInt(26)));
        }
        return letters.toString();
    }

    @Test
    void quoted_phrases_match_words_side_by_side_and_a_minus_excludes_a_word() {
        var ann = User.register("ann");
        String phrase = ann.note("Repair guide for laptops", "");
        String apart = ann.note("Guide to the repair shop", "");
        String shopping = ann.note("Laptop shopping", "");
        String repair = ann.note("Laptop repair", "");

        assertThat(ann.find("\"repair guide\"")).containsExactly(phrase);
        assertThat(ann.find("\"guide repair\"")).isEmpty();
        assertThat(ann.find("repair guide")).containsExactlyInAnyOrder(phrase, apart);
        assertThat(ann.find("laptop -shopping")).containsExactly(repair);
        assertThat(ann.find("laptop or guide")).containsExactlyInAnyOrder(phrase, apart, shopping, repair);
        assertThat(ann.find("\"laptop shopping\" or \"laptop repair\"")).containsExactlyInAnyOrder(shopping, repair);
    }

    @Test
    void accents_and_case_do_not_matter() {
        var ann = User.register("ann");
        String creme = ann.note("Crème brûlée", "ÜBER das Rezept: Straße");

        assertThat(ann.find("creme brulee")).containsExactly(creme);
        assertThat(ann.find("CRÈME")).containsExactly(creme);
        assertThat(ann.find("uber strasse")).containsExactly(creme);
    }

    @Test
    void highlights_are_escaped_html_with_marks_around_the_matches() {
        var ann = User.register("ann");
        ann.note("<b>Tom & Jerry</b>", "cat \"and\" mouse <script>alert(1)</script>");

        var item = Api.expect(ann.search("q=jerry+mouse"), 200).at("/items/0");

        assertThat(item.get("title").asString()).isEqualTo("<b>Tom & Jerry</b>");
        assertThat(item.at("/highlights/title").asString()).isEqualTo("&lt;b&gt;Tom &amp; <mark>Jerry</mark>&lt;/b&gt;");
        assertThat(item.at("/highlights/preview").asString())
                .isEqualTo("cat &quot;and&quot; <mark>mouse</mark> &lt;script&gt;alert(1)&lt;/script&gt;");
        assertThat(item.get("schemaId").asString()).isEqualTo(SCHEMA);
        assertThat(item.get("bucketId").asString()).isEqualTo(ann.bucket());
        assertThat(item.get("version").asLong()).isEqualTo(1);
        assertThat(item.has("updatedAt")).isTrue();
        assertThat(item.has("data")).as("search returns summaries, not content").isFalse();
    }

    @Test
    void pages_through_every_match_once_in_the_order_of_one_long_page() {
        var ann = User.register("ann");
        var made = new HashSet<String>();
        for (int i = 0; i < 23; i++) {
            // Ranks tie in groups (same number of hits), so the order within a group comes from the ids.
            made.add(ann.note("Meeting " + i, "meeting ".repeat(i % 3)));
        }
        ann.note("Lunch", "not a match");
        List<String> onePage = ann.find("meeting");

        var paged = new ArrayList<String>();
        String cursor = null;
        int pages = 0;
        do {
            var page = Api.expect(ann.search("q=meeting&limit=5" + (cursor == null ? "" : "&cursor=" + cursor)), 200);
            paged.addAll(ids(page));
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
            pages++;
        } while (cursor != null && pages < 10);

        assertThat(pages).isEqualTo(5);
        assertThat(paged).doesNotHaveDuplicates().containsExactlyElementsOf(onePage);
        assertThat(new HashSet<>(paged)).isEqualTo(made);
    }

    @Test
    void a_bucket_filter_covers_its_subtree_and_a_schema_filter_one_schema() {
        var ann = User.register("ann");
        String project = ann.bucket("Project", null);
        String inside = ann.bucket("Inside", project);
        String deeper = ann.bucket("Deeper", inside);
        String otherSchema = "search-task-" + UUID.randomUUID().toString().substring(0, 8);
        Api.expect(API.post("/api/v1/schemas", ann.token(), Api.JSON.readTree("""
                {"id":"%s","name":"Task","schema":{"type":"object","properties":{"title":{"type":"string"}}}}"""
                .formatted(otherSchema))), 201);
        String atTop = ann.note("Invoice outside", "");
        String inProject = ann.note(project, SCHEMA, "Invoice in the project", "");
        String inInside = ann.note(inside, SCHEMA, "Invoice inside", "");
        String inDeeper = ann.note(deeper, otherSchema, "Invoice deeper", "");

        assertThat(ids(Api.expect(ann.search("q=invoice&bucketId=" + project), 200)))
                .containsExactlyInAnyOrder(inProject, inInside, inDeeper);
        assertThat(ids(Api.expect(ann.search("q=invoice&bucketId=" + inside), 200))).containsExactlyInAnyOrder(inInside, inDeeper);
        assertThat(ids(Api.expect(ann.search("q=invoice&schemaId=" + otherSchema), 200))).containsExactly(inDeeper);
        assertThat(ids(Api.expect(ann.search("q=invoice&schemaId=" + SCHEMA + "&bucketId=" + project), 200)))
                .containsExactlyInAnyOrder(inProject, inInside);
        assertThat(ann.find("invoice")).containsExactlyInAnyOrder(atTop, inProject, inInside, inDeeper);
    }

    @Test
    void another_users_blobs_never_appear() {
        var ann = User.register("ann");
        var bob = User.register("bob");
        String annsNote = ann.note("Secret recipe", "grandmother's secret");
        bob.note("Secret recipe", "grandmother's secret");
        bob.note("Secret plan", "");

        assertThat(ann.find("secret")).containsExactly(annsNote);
        assertThat(ann.find("secr")).containsExactly(annsNote);
        assertThat(ann.find("secret or plan or recipe")).containsExactly(annsNote);
        var refused = ann.search("q=secret&bucketId=" + bob.bucket());
        assertThat(refused.status()).isEqualTo(404);
        assertThat(refused.contentType()).startsWith("application/problem+json");
    }

    @Test
    void a_sharee_finds_shared_blobs_below_the_shared_bucket_until_the_share_is_revoked() {
        var ann = User.register("ann");
        var bob = User.register("bob");
        String shared = ann.bucket("Shared", null);
        String below = ann.bucket("Below", shared);
        String sharedNote = ann.note(shared, SCHEMA, "Travel plans", "");
        String belowNote = ann.note(below, SCHEMA, "Travel budget", "");
        ann.note("Travel diary", "private");
        String bobsOwn = bob.note("Travel photos", "");
        Api.expect(API.post("/api/v1/buckets/" + shared + "/shares", ann.token(), Map.of("email", bob.email(), "access", "read")), 201);

        assertThat(bob.find("travel")).containsExactlyInAnyOrder(sharedNote, belowNote, bobsOwn);
        assertThat(ids(Api.expect(bob.search("q=travel&bucketId=" + below), 200))).containsExactly(belowNote);

        Api.expect(API.call("DELETE", "/api/v1/buckets/" + shared + "/shares/" + bob.id(), ann.token(), null, null, Map.of()), 204);

        assertThat(bob.find("travel")).containsExactly(bobsOwn);
        assertThat(bob.search("q=travel&bucketId=" + below).status()).isEqualTo(404);
    }

    @Test
    void no_query_a_person_can_type_fails_the_server() {
        var ann = User.register("ann");
        ann.note("Ordinary note", "with ordinary words: a & b | c ! (d) * e \\ f 'g' \"h\"");
        var hostile = List.of("&", "|", "!", "()", ":*", "\\", "'", "''", "\"", "\"\"", "\"unclosed phrase", "a & b",
                "a | b", "!a", "!!", "(a", "a)", "a:*", "a:", ":a", "'a'", "a\\", "\\'", "-", "--", "- -", "-a", "-\"a b\"",
                "or", "or or", "and", "a or", "or a", "not", "<->", "a <-> b", "a <1> b", "*", "%", "%%", "_", ";",
                "'; drop table blobs; --", "$1", "?", "\u0000", "\u0001 a \u0002", "a\tb\nc\rd", "\u0002\u0003",
                "\uD800", "\uDC00 a", "😀", "😀 note", "日本語", "ordinary\u00ADnote", "ℌ𝔢𝔩𝔩𝔬", "\u200B", "\uFEFF",
                "ordinary".repeat(25), "a ".repeat(100), "-a ".repeat(66), "\"".repeat(200), "o".repeat(200),
                "x".repeat(2_000), " ", "   ");
        for (String q : hostile) {
            var response = ann.search("q=" + encode(q));
            assertThat(response.status()).as("q=%s answered %s", q, response.text()).isLessThan(500);
            if (response.status() >= 400) {
                assertThat(response.contentType()).startsWith("application/problem+json");
                assertThat(response.json().at("/errors/0/pointer").asString()).as(q).isEqualTo("/q");
            }
        }
        // Longer than a request line may be (8 KiB): Jetty refuses it before any route, as a problem too.
        var tooLong = ann.search("q=" + "x".repeat(10_000));
        assertThat(tooLong.status()).isEqualTo(414);
        assertThat(tooLong.contentType()).startsWith("application/problem+json");
        assertThat(ann.find("ordinary \"h\" 'g'")).hasSize(1);
        assertThat(ann.find("&|!():*\\")).isEmpty();
    }

    @Test
    void bad_parameters_are_problems_that_name_the_parameter() {
        var ann = User.register("ann");
        ann.note("Anything", "");
        var cases = Map.ofEntries(
                Map.entry("", "/q"),
                Map.entry("q=", "/q"),
                Map.entry("q=%20%20", "/q"),
                Map.entry("q=" + "x".repeat(201), "/q"),
                Map.entry("q=-anything", "/q"),
                Map.entry("q=-anything+-else", "/q"),
                Map.entry("q=x&limit=0", "/limit"),
                Map.entry("q=x&limit=201", "/limit"),
                Map.entry("q=x&limit=many", "/limit"),
                Map.entry("q=x&cursor=!!!", "/cursor"),
                Map.entry("q=x&cursor=bm9wZQ", "/cursor"),
                Map.entry("q=x&cursor=" + java.util.Base64.getUrlEncoder().withoutPadding()
                        .encodeToString(("7fc00000|" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8)), "/cursor"),
                Map.entry("q=x&bucketId=nope", "/bucketId"),
                Map.entry("q=x&schemaId=Not%20A%20Schema", "/schemaId"));
        cases.forEach((query, pointer) -> {
            var response = ann.search(query);
            assertThat(response.status()).as("%s: %s", query, response.text()).isEqualTo(422);
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().at("/errors/0/pointer").asString()).as(query).isEqualTo(pointer);
        });
        assertThat(ann.search("q=x&bucketId=" + UUID.randomUUID()).status()).isEqualTo(404);
        assertThat(API.get("/api/v1/search?q=x", null).status()).isEqualTo(401);
    }

    @Test
    void a_query_of_only_punctuation_finds_nothing_and_a_long_one_is_refused() {
        var ann = User.register("ann");
        ann.note("Anything", "");

        var empty = Api.expect(ann.search("q=" + encode("&&& ::: ---")), 200);
        assertThat(empty.get("items")).isEmpty();
        assertThat(empty.get("nextCursor").isNull()).isTrue();
        assertThat(ann.find("é".repeat(200))).isEmpty();
        assertThat(ann.search("q=" + encode("é".repeat(201))).status()).isEqualTo(422);
    }
}
