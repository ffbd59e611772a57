package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static studio.reyna.app.Api.expect;

import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code reyna export} and {@code reyna import} as a user runs them: each in a JVM of its own,
 * talking HTTP to a running studio, with credentials from the environment, progress on stderr.
 */
class TransferCommandsTest {
    @TempDir
    Path temp;

    private final Api api = TestStudio.api();
    private final String url = "http://127.0.0.1:" + TestStudio.port();

    @Test
    void an_export_written_by_the_command_imports_with_the_command_and_a_second_import_creates_nothing() throws Exception {
        var session = api.register("cli");
        String token = session.get("accessToken").asString();
        String schema = "cli-" + UUID.randomUUID().toString().substring(0, 8);
        expect(api.post("/api/v1/schemas", token, Map.of("id", schema, "name", "Cli", "schema", Map.of("type", "object"))), 201);
        String source = ExportImportTest.bucket(api, token, "Source", null);
        String child = ExportImportTest.bucket(api, token, "Child", source);
        for (int i = 0; i < 3; i++) {
            expect(api.post("/api/v1/buckets/" + child + "/blobs", token, Map.of("schemaId", schema, "data", Map.of("n", i))), 201);
        }
        String target = ExportImportTest.bucket(api, token, "Target", null);
        Path file = temp.resolve("source.json");

        var exported = reyna(Map.of("REYNA_TOKEN", token), "export", "--url", url, "--bucket", source, "--out", file.toString());
        var imported = reyna(Map.of("REYNA_PASSWORD", "correct horse battery staple"), "import", "--url", url,
                "--email", session.at("/user/email").asString(), "--bucket", target, file.toString());
        var again = reyna(Map.of("REYNA_TOKEN", token), "import", "--url", url, "--bucket", target, file.toString());

        assertThat(exported.exit()).as(exported.output()).isZero();
        // Schemas, buckets and blobs, counted as they passed: 1 + 2 + 3.
        assertThat(exported.output()).contains("export: ").contains("6 items of schemaVersions=1, buckets=2, blobs=3")
                .contains("exported ");
        assertThat(Files.readString(file)).startsWith("{\"format\":\"reyna-export\"");
        assertThat(imported.exit()).as(imported.output()).isZero();
        assertThat(imported.output()).contains("import: ").contains("created 2 buckets, 3 blobs");
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(again.output()).contains("created 0 buckets, 0 blobs").contains("already there 2 buckets, 3 blobs");
        var copy = api.get("/api/v1/buckets?parentId=" + target, token).json().get("items");
        assertThat(copy).hasSize(1);
        assertThat(copy.get(0).get("name").asString()).isEqualTo("Source");
    }

    @Test
    void a_refused_transfer_exits_non_zero_with_the_studios_reasons_and_leaves_no_file() throws Exception {
        String token = api.register("cli-refused").get("accessToken").asString();
        String target = ExportImportTest.bucket(api, token, "Target", null);
        Path garbage = Files.writeString(temp.resolve("garbage.json"), "{\"format\":\"something else\"}");
        Path out = temp.resolve("never.json");

        var refusedImport = reyna(Map.of("REYNA_TOKEN", token), "import", "--url", url, "--bucket", target, garbage.toString());
        var refusedExport = reyna(Map.of("REYNA_TOKEN", token), "export", "--url", url, "--bucket", UUID.randomUUID().toString(),
                "--out", out.toString());
        var signedOut = reyna(Map.of(), "export", "--url", url, "--out", out.toString());

        assertThat(refusedImport.exit()).isEqualTo(1);
        assertThat(refusedImport.output()).contains("imported nothing").contains("/format: format must be \"reyna-export\"");
        assertThat(refusedExport.exit()).isEqualTo(1);
        assertThat(refusedExport.output()).contains("there is no bucket");
        assertThat(signedOut.exit()).isEqualTo(1);
        assertThat(signedOut.output()).contains("REYNA_TOKEN");
        assertThat(out).doesNotExist();
        assertThat(temp.resolve("never.json.part")).doesNotExist();
    }

    /** Runs {@code reyna <arguments>} in a JVM of its own with only the given {@code REYNA_*} variables. */
    private static Processes.Outcome reyna(Map<String, String> environment, String... arguments) throws Exception {
        return Processes.reyna(environment, Duration.ofSeconds(60), arguments);
    }
}
