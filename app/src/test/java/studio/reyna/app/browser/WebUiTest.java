package studio.reyna.app.browser;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FilePayload;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.RequestOptions;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import studio.reyna.app.TestStudio;
import studio.reyna.app.browser.Browsers.Device;
import studio.reyna.core.json.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web UI in Debian's Chromium against a real studio: what a user does, clicked as a user
 * clicks it, at a desktop and a phone size. The screenshots it saves are the ones in docs/screenshots.
 */
class WebUiTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static final AtomicInteger SCHEMAS = new AtomicInteger();
    private static final JsonMapper JSON = Json.newMapper(1 << 20);
    private static Browsers browsers;
    private static String base;

    @BeforeAll
    static void launch() {
        base = "http://127.0.0.1:" + TestStudio.port();
        browsers = Browsers.launch();
    }

    @AfterAll
    static void close() {
        browsers.close();
    }

    /** The whole path of a new user, with a second browser watching live, at both sizes. */
    @ParameterizedTest
    @EnumSource(Device.class)
    void signs_up_creates_content_edits_it_and_sees_it_live_elsewhere(Device device) {
        String suffix = device.name().toLowerCase(java.util.Locale.ROOT);
        try (var first = browsers.open(device, base); var second = browsers.open(device, base)) {
            Page page = first.page();
            page.navigate("/");
            if (device == Device.DESKTOP) {
                first.screenshot("sign-in-desktop");
            }
            String email = signUp(page, "Ada");

            String schemaId = "recipe-" + suffix + "-" + SCHEMAS.incrementAndGet();
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Schemas")).click();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("New schema")).click();
            page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("Recipe");
            page.getByLabel("Id (optional)").fill(schemaId);
            page.getByLabel("Schema", new Page.GetByLabelOptions().setExact(true)).fill(RECIPE_SCHEMA);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create schema")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Recipe " + schemaId))).isVisible();
            first.screenshot("schemas-" + suffix, new Page.ScreenshotOptions().setFullPage(device == Device.PHONE));

            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Content")).click();
            createBucket(page, "Kitchen");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New blob")).click();
            page.getByLabel("Schema", new Page.GetByLabelOptions().setExact(true)).selectOption(schemaId);
            page.getByLabel("Title", new Page.GetByLabelOptions().setExact(true)).fill("Tomato soup");
            page.getByLabel("Servings").fill("4");
            page.getByLabel("Vegetarian").check();
            page.getByLabel("Course").selectOption("main");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Add ingredient")).click();
            page.getByLabel("Ingredient 1").fill("tomatoes");
            page.getByLabel("Method", new Page.GetByLabelOptions().setExact(true)).fill("Simmer the *tomatoes*.\n\n<script>alert(1)</script>");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Preview")).click();
            Locator preview = page.getByLabel("Preview of Method");
            assertThat(preview.locator("em")).hasText("tomatoes");
            assertThat(preview.locator("script")).hasCount(0);
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create").setExact(true)).click();
            Locator editorTitle = page.locator("#editor-title");
            assertThat(editorTitle).hasText("Tomato soup");
            String blobUrl = page.url();
            assertThat(blobUrl).contains("/blobs/");
            if (device == Device.DESKTOP) {
                assertThat(page.locator(".blob-list .title")).hasText(new String[] {"Tomato soup"});
            }
            first.screenshot("editor-" + suffix, new Page.ScreenshotOptions().setFullPage(device == Device.PHONE));
            if (device == Device.DESKTOP) {
                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Switch between light and dark")).click();
                assertThat(page.locator("html")).hasAttribute("data-theme", "dark");
                first.screenshot("editor-dark-desktop");
                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Switch between light and dark")).click();
            }

            // The same user in a second browser, on the blob, while the first edits it.
            Page other = second.page();
            other.navigate("/");
            signIn(other, email);
            other.navigate(blobUrl);
            assertThat(other.locator("#editor-title")).hasText("Tomato soup");
            page.getByLabel("Title", new Page.GetByLabelOptions().setExact(true)).fill("Tomato soup with basil");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save")).click();
            assertThat(editorTitle).hasText("Tomato soup with basil");
            assertThat(other.locator("#editor-title")).hasText("Tomato soup with basil");
            assertThat(other.getByLabel("Title", new Page.GetByLabelOptions().setExact(true))).hasValue("Tomato soup with basil");
            if (device == Device.DESKTOP) {
                // The list beside the editor follows too.
                assertThat(other.locator(".blob-list .title").first()).hasText("Tomato soup with basil");
            }

            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete")).last().click();
            page.locator("dialog.delete").getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete")).click();
            assertThat(page.getByText("No blobs here yet.")).isVisible();
            assertThat(other.getByText("This blob was deleted elsewhere.")).isVisible();
            first.assertNoErrors();
            second.assertNoErrors();
        }
    }

    @Test
    void serves_the_ui_with_a_policy_that_lets_it_load_nothing_from_elsewhere() {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            var response = session.page().navigate("/");
            assertThat(response.status()).isEqualTo(200);
            String policy = response.headerValue("content-security-policy");
            assertThat(policy).contains("default-src 'self'", "connect-src 'self'", "script-src 'self' 'sha256-");
            assertThat(session.page().title()).isEqualTo("ReYNa Studio");
            // The page ran under that policy: the import map and Lit loaded, and the app rendered.
            assertThat(session.page().getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to ReYNa Studio"))).isVisible();
            assertThat(session.requests()).anyMatch(url -> url.contains("/webjars/lit/"));
            var library = session.context().request().get(base + session.requests().stream()
                    .filter(url -> url.contains("/webjars/lit-html/")).findFirst().orElseThrow().replace(base, ""));
            assertThat(library.headers().get("cache-control")).contains("max-age");
            session.assertNoErrors();
        }
    }

    /** Every main screen, with a dialog open too, at both sizes, against the WCAG 2.1 A and AA rules. */
    @ParameterizedTest
    @EnumSource(Device.class)
    void breaks_no_accessibility_rule_on_any_screen(Device device) {
        try (var session = browsers.open(device, base)) {
            Page page = session.page();
            var broken = new java.util.LinkedHashMap<String, java.util.List<String>>();
            page.navigate("/");
            broken.put("sign in", Accessibility.violations(page));
            signUp(page, "Tim");
            var api = new Rest(session);
            String schemaId = api.schema();
            JsonNode bucket = api.post("/api/v1/buckets", Map.of("name", "Notes"));
            String bucketId = bucket.get("id").asString();
            JsonNode blob = api.post("/api/v1/buckets/" + bucketId + "/blobs", Map.of("schemaId", schemaId,
                    "data", Map.of("title", "Accessible", "servings", 2, "ingredients", java.util.List.of("salt"), "method", "Stir *well*.")));
            page.navigate("/#/buckets/" + bucketId);
            assertThat(page.locator(".blob-list .title").first()).hasText("Accessible");
            broken.put("blob list", Accessibility.violations(page));
            page.navigate("/#/buckets/" + bucketId + "/blobs/" + blob.get("id").asString());
            assertThat(page.locator("#editor-title")).hasText("Accessible");
            broken.put("editor", Accessibility.violations(page));
            page.getByRole(AriaRole.TAB, new Page.GetByRoleOptions().setName("JSON")).click();
            broken.put("editor, JSON", Accessibility.violations(page));
            page.navigate("/#/buckets/" + bucketId + "/new");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("New blob"))).isVisible();
            broken.put("new blob", Accessibility.violations(page));
            page.navigate("/#/schemas/" + schemaId);
            assertThat(page.getByLabel("Next version (v2)")).isVisible();
            broken.put("schemas", Accessibility.violations(page));
            page.navigate("/#/settings");
            assertThat(page.locator("#processor-stats")).isVisible();
            broken.put("settings", Accessibility.violations(page));
            if (device == Device.DESKTOP) {
                page.navigate("/#/buckets/" + bucketId);
                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Share")).click();
                assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Share “Notes”"))).isVisible();
                broken.put("share dialog", Accessibility.violations(page));
                page.keyboard().press("Escape");
                page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Switch between light and dark")).click();
                page.navigate("/#/buckets/" + bucketId + "/blobs/" + blob.get("id").asString());
                assertThat(page.locator("#editor-title")).hasText("Accessible");
                broken.put("editor, dark", Accessibility.violations(page));
            }
            page.navigate("/#/public/not-a-token");
            assertThat(page.getByText("This link does not exist, has expired or was revoked.")).isVisible();
            broken.put("public page", Accessibility.violations(page));
            broken.values().removeIf(java.util.List::isEmpty);
            assertThat(broken).as("accessibility rules broken, by screen").isEmpty();
        }
    }

    @Test
    void refreshes_a_spent_access_token_silently() {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            Page page = session.page();
            page.navigate("/");
            signUp(page, "Alan");
            // As if the access token had expired while the tab slept: the next call gets a 401 and
            // the page trades its refresh token for a new pair instead of signing out.
            page.evaluate("() => { const s = JSON.parse(localStorage.getItem('reyna.session'));"
                    + " s.accessToken = 'expired.token.value'; localStorage.setItem('reyna.session', JSON.stringify(s)); }");
            page.reload();
            createBucket(page, "Still signed in");
            String token = new Rest(session).token();
            assertThat(token).isNotEqualTo("expired.token.value").contains(".");
            // The refused token shows as one browser note of a 401; nothing else went wrong.
            assertThat(session.errors()).allMatch(e -> e.contains("status of 401"));
        }
    }

    @Test
    void shows_a_schema_violation_at_its_field_and_offers_reload_or_overwrite_on_a_conflict() {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            Page page = session.page();
            page.navigate("/");
            signUp(page, "Grace");
            var api = new Rest(session);
            String schemaId = api.schema();
            JsonNode bucket = api.post("/api/v1/buckets", Map.of("name", "Drafts"));
            JsonNode blob = api.post("/api/v1/buckets/" + bucket.get("id").asString() + "/blobs",
                    Map.of("schemaId", schemaId, "data", Map.of("title", "First draft", "servings", 2)));
            page.navigate("/#/buckets/" + bucket.get("id").asString() + "/blobs/" + blob.get("id").asString());

            var servings = page.getByLabel("Servings");
            servings.fill("500");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save")).click();
            assertThat(servings).hasAttribute("aria-invalid", "true");
            assertThat(page.locator("#f_servings-error")).containsText("100");
            assertThat(servings).isFocused();
            session.screenshot("validation-error-desktop");

            // Someone else saves meanwhile: saving now is a conflict, and "Overwrite" wins over it.
            api.put("/api/v1/blobs/" + blob.get("id").asString(), "\"1\"", Map.of("data", Map.of("title", "Their draft")));
            servings.fill("6");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Save")).click();
            var conflict = page.locator("dialog.conflict");
            assertThat(conflict).isVisible();
            conflict.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Overwrite")).click();
            assertThat(page.locator(".blob-meta")).containsText("version 3");
            assertThat(page.locator("#editor-title")).hasText("First draft");
            JsonNode saved = api.get("/api/v1/blobs/" + blob.get("id").asString());
            assertThat(saved.get("data").get("servings").asInt()).isEqualTo(6);
            assertThat(saved.get("version").asLong()).isEqualTo(3);
            // The only console errors are the browser's notes of the 422 and the 412 it was sent.
            assertThat(session.errors()).allMatch(e -> e.contains("status of 422") || e.contains("status of 412"));
        }
    }

    @Test
    void publishes_a_new_schema_version_and_shows_why_a_schema_is_refused() {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            Page page = session.page();
            page.navigate("/");
            signUp(page, "Edsger");
            String schemaId = new Rest(session).schema();
            page.navigate("/#/schemas/" + schemaId);
            var editor = page.getByLabel("Next version (v2)");
            var error = page.locator("#schema-json-error");

            editor.fill("{\"type\": \"object\"");
            assertThat(error).containsText("Not valid JSON");
            assertThat(editor).hasAttribute("aria-invalid", "true");

            editor.fill("{\"type\": 5}");
            assertThat(error).isHidden();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish version 2")).click();
            assertThat(error).containsText("/type:");

            editor.fill("{\"type\": \"object\", \"properties\": {\"title\": {\"type\": \"string\"}, \"notes\": {\"type\": \"string\"}}}");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish version 2")).click();
            assertThat(page.getByText("Version 2 published")).isVisible();
            assertThat(page.getByLabel("Version", new Page.GetByLabelOptions().setExact(true))).hasValue("2");
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Publish version 3"))).isVisible();
            assertThat(session.errors()).allMatch(e -> e.contains("status of 422"));
        }
    }

    @Test
    void attaches_a_file_shows_its_preview_downloads_and_deletes_it() throws Exception {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            Page page = session.page();
            page.navigate("/");
            signUp(page, "Ida");
            var api = new Rest(session);
            String schemaId = api.schema();
            JsonNode bucket = api.post("/api/v1/buckets", Map.of("name", "Photos"));
            JsonNode blob = api.post("/api/v1/buckets/" + bucket.get("id").asString() + "/blobs",
                    Map.of("schemaId", schemaId, "data", Map.of("title", "Harbour")));
            page.navigate("/#/buckets/" + bucket.get("id").asString() + "/blobs/" + blob.get("id").asString());

            byte[] png = png(64, 48);
            page.locator("#file-input").setInputFiles(new FilePayload("harbour.png", "image/png", png));
            var row = page.locator("tr", new Page.LocatorOptions().setHasText("harbour.png"));
            assertThat(row).containsText(String.format(java.util.Locale.ROOT, "image/png · %.1f KB", png.length / 1000.0));
            assertThat(row.locator("img")).hasJSProperty("naturalWidth", 64);

            var download = page.waitForDownload(() -> row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Download harbour.png")).click());
            assertThat(download.suggestedFilename()).isEqualTo("harbour.png");
            assertThat(java.nio.file.Files.readAllBytes(download.path())).isEqualTo(png);

            row.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete harbour.png")).click();
            assertThat(page.getByText("No files yet.")).isVisible();
            assertThat(api.get("/api/v1/blobs/" + blob.get("id").asString() + "/attachments").get("items").size()).isZero();
            session.assertNoErrors();
        }
    }

    private static byte[] png(int width, int height) throws java.io.IOException {
        var image = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            for (int y = 0; y < height; y++) {
                image.setRGB(x, y, (x * 4) << 16 | (y * 5) << 8 | 0x80);
            }
        }
        var out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    @Test
    void stays_signed_in_across_a_reload_and_catches_up_after_the_network_returns() {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            Page page = session.page();
            page.navigate("/");
            signUp(page, "Linus");
            var api = new Rest(session);
            String schemaId = api.schema();
            createBucket(page, "Inbox");
            String bucketId = page.url().replaceAll(".*#/buckets/", "");

            page.reload();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Inbox"))).isVisible();
            assertThat(page.locator(".live-status")).hasText("Live");

            session.context().setOffline(true);
            assertThat(page.locator(".live-status")).hasText("Offline");
            for (String title : new String[] {"Written while away", "Also while away"}) {
                api.post("/api/v1/buckets/" + bucketId + "/blobs", Map.of("schemaId", schemaId, "data", Map.of("title", title)));
            }
            session.context().setOffline(false);
            assertThat(page.locator(".live-status")).hasText("Live");
            assertThat(page.locator(".blob-list .title")).hasText(new String[] {"Also while away", "Written while away"});
            session.assertNoErrors();
        }
    }

    @Test
    void moves_a_bucket_by_drag_and_drop_and_publishes_it_through_a_read_only_link() {
        try (var owner = browsers.open(Device.DESKTOP, base); var visitor = browsers.open(Device.PHONE, base)) {
            Page page = owner.page();
            page.navigate("/");
            signUp(page, "Margaret");
            var api = new Rest(owner);
            String schemaId = api.schema();
            createBucket(page, "Projects");
            page.navigate("/");
            createBucket(page, "Apollo");
            String apolloId = page.url().replaceAll(".*#/buckets/", "");
            api.post("/api/v1/buckets/" + apolloId + "/blobs", Map.of("schemaId", schemaId, "data", Map.of("title", "Guidance computer")));

            page.locator(".tree-item", new Page.LocatorOptions().setHasText("Apollo"))
                    .dragTo(page.locator(".tree-item", new Page.LocatorOptions().setHasText("Projects")));
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Close Projects"))).isVisible();
            JsonNode moved = api.get("/api/v1/buckets/" + apolloId);
            assertThat(moved.get("parentId").isNull()).isFalse();

            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Share")).click();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create link")).click();
            String link = page.getByLabel("Anyone with this link can read the bucket. It is shown only now.").inputValue();
            owner.screenshot("share-dialog-desktop");

            Page anonymous = visitor.page();
            anonymous.navigate(link);
            assertThat(anonymous.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Apollo"))).isVisible();
            anonymous.getByText("Guidance computer").click();
            assertThat(anonymous.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Guidance computer"))).isVisible();
            assertThat(anonymous.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out"))).hasCount(0);
            visitor.screenshot("public-link-phone");

            // Rename, move back with the keyboard's way (the Move dialog), then delete with all inside.
            page.keyboard().press("Escape");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Rename")).click();
            page.locator("dialog.tree-dialog").getByLabel("Name").fill("Apollo 11");
            page.keyboard().press("Enter");
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Apollo 11"))).isVisible();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Move")).click();
            page.locator("dialog.tree-dialog").getByLabel("Into").selectOption("The top level");
            page.locator("dialog.tree-dialog").getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Move")).click();
            assertThat(page.locator("nav > ul > li > .tree-item .name")).hasText(new String[] {"Apollo 11", "Projects"});
            assertThat(api.get("/api/v1/buckets/" + apolloId).get("parentId").isNull()).isTrue();
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Delete")).click();
            page.locator("dialog.tree-dialog").getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Delete")).click();
            assertThat(page.locator("nav > ul > li > .tree-item .name")).hasText(new String[] {"Projects"});
            assertThat(page.getByText("Choose a bucket, or create one.")).isVisible();
            // The link led into the deleted bucket: it opens nothing now.
            anonymous.navigate(link);
            assertThat(anonymous.getByText("This link does not exist, has expired or was revoked.")).isVisible();
            owner.assertNoErrors();
        }
    }

    @Test
    void lists_a_large_bucket_a_page_at_a_time_in_the_chosen_order_and_signs_out() {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            Page page = session.page();
            page.navigate("/");
            signUp(page, "Donald");
            var api = new Rest(session);
            String schemaId = api.schema();
            String bucketId = api.post("/api/v1/buckets", Map.of("name", "Archive")).get("id").asString();
            for (int i = 1; i <= 60; i++) {
                api.post("/api/v1/buckets/" + bucketId + "/blobs", Map.of("schemaId", schemaId,
                        "data", Map.of("title", String.format("Entry %02d", i))));
            }
            page.navigate("/#/buckets/" + bucketId);
            var titles = page.locator(".blob-list .title");
            assertThat(titles).hasCount(50);
            assertThat(titles.first()).hasText("Entry 60"); // recently updated first
            session.screenshot("blob-list-desktop");
            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Load more")).click();
            assertThat(titles).hasCount(60);
            assertThat(titles.last()).hasText("Entry 01");
            assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Load more"))).hasCount(0);

            page.getByLabel("Sort").selectOption("Title A–Z");
            assertThat(titles).hasCount(50);
            assertThat(titles.first()).hasText("Entry 01");
            assertThat(titles.nth(49)).hasText("Entry 50");

            page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out")).click();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to ReYNa Studio"))).isVisible();
            page.reload();
            assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Sign in to ReYNa Studio"))).isVisible();
            assertThat((Object) page.evaluate("localStorage.getItem('reyna.session')")).isNull();
            session.assertNoErrors();
        }
    }

    @Test
    void turns_a_processor_off_refuses_a_bad_setting_at_its_field_and_shows_usage() {
        try (var session = browsers.open(Device.DESKTOP, base)) {
            Page page = session.page();
            page.navigate("/");
            signUp(page, "Barbara");
            page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Settings")).click();
            assertThat(page.locator("#usage-blobs")).hasText("Blobs");
            assertThat(page.getByText(java.util.regex.Pattern.compile("^0 of [0-9,]+$")).first()).isVisible();

            var stats = page.locator("form", new Page.LocatorOptions().setHas(page.locator("#processor-stats")));
            stats.getByText("Configure").click();
            stats.getByLabel("Words per minute").fill("5");
            stats.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Save stats settings")).click();
            assertThat(stats.getByLabel("Words per minute")).hasAttribute("aria-invalid", "true");

            stats.getByLabel("Words per minute").fill("200");
            stats.getByLabel("On for my blobs").uncheck();
            stats.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Save stats settings")).click();
            assertThat(page.getByText("stats settings saved")).isVisible();
            JsonNode settings = new Rest(session).get("/api/v1/processors/stats/settings");
            assertThat(settings.get("enabled").asBoolean()).isFalse();
            assertThat(settings.get("config").get("wordsPerMinute").asInt()).isEqualTo(200);
            session.screenshot("settings-desktop", new Page.ScreenshotOptions().setFullPage(true));
        }
    }

    private static String signUp(Page page, String name) {
        String email = name.toLowerCase(java.util.Locale.ROOT) + "-" + UUID.randomUUID() + "@example.org";
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create an account")).click();
        page.getByLabel("Your name").fill(name);
        page.getByLabel("Email").fill(email);
        page.getByLabel("Password").fill(PASSWORD);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Create account")).click();
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out"))).isVisible();
        return email;
    }

    private static void signIn(Page page, String email) {
        page.getByLabel("Email").fill(email);
        page.getByLabel("Password").fill(PASSWORD);
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in")).click();
        assertThat(page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign out"))).isVisible();
    }

    /** Creates a bucket at the top level through the tree; the page then shows it. */
    private static void createBucket(Page page, String name) {
        page.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("New bucket")).click();
        var dialog = page.locator("dialog.tree-dialog");
        dialog.getByLabel("Name").fill(name);
        var inside = dialog.getByLabel("Inside", new Locator.GetByLabelOptions().setExact(false));
        if (inside.count() > 0) {
            inside.uncheck();
        }
        dialog.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Create")).click();
        assertThat(page.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName(name))).isVisible();
    }

    private static final String RECIPE_SCHEMA = """
            {
              "type": "object",
              "required": ["title"],
              "properties": {
                "title": {"type": "string", "minLength": 1},
                "servings": {"type": "integer", "minimum": 1, "maximum": 100},
                "vegetarian": {"type": "boolean"},
                "course": {"enum": ["starter", "main", "dessert"]},
                "ingredients": {"type": "array", "items": {"type": "string", "title": "Ingredient"}},
                "method": {"type": "string", "contentMediaType": "text/markdown"}
              }
            }""";

    /** The API with the browser's own session (its token from localStorage), for setting up and checking. */
    private static final class Rest {
        private final Session session;

        Rest(Session session) {
            this.session = session;
        }

        String token() {
            return (String) session.page().evaluate("JSON.parse(localStorage.getItem('reyna.session')).accessToken");
        }

        String schema() {
            String id = "recipe-api-" + SCHEMAS.incrementAndGet();
            post("/api/v1/schemas", Map.of("id", id, "name", "Recipe", "schema", JSON.readTree(RECIPE_SCHEMA)));
            return id;
        }

        JsonNode get(String path) {
            return read(session.context().request().get(base + path, options()), 200);
        }

        JsonNode post(String path, Object body) {
            return read(session.context().request().post(base + path, options().setData(JSON.writeValueAsString(body))), 201);
        }

        JsonNode put(String path, String ifMatch, Object body) {
            return read(session.context().request().put(base + path,
                    options().setHeader("If-Match", ifMatch).setData(JSON.writeValueAsString(body))), 200);
        }

        private RequestOptions options() {
            return RequestOptions.create().setHeader("Authorization", "Bearer " + token())
                    .setHeader("Content-Type", "application/json");
        }

        private static JsonNode read(com.microsoft.playwright.APIResponse response, int status) {
            assertThat(response.status()).as(response.text()).isEqualTo(status);
            return JSON.readTree(response.text());
        }
    }
}
