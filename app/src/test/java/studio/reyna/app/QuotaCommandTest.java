package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code reyna user quota}, as an admin runs it against the studio's (here embedded) database. */
class QuotaCommandTest {
    @TempDir
    Path dataDir;

    @Test
    void an_admin_sees_and_sets_a_users_quotas_beside_a_running_studio_or_alone_and_the_studio_enforces_them() {
        String email;
        try (var studio = Studio.start(StudioConfig.read(Map.of(), 0, dataDir))) {
            email = new Api(studio.port()).register("admin-managed").at("/user/email").asString();
            // Beside the running studio, the command uses that studio's embedded server.
            String shown = run("user", "quota", email.toUpperCase(), "--data-dir", dataDir.toString());
            assertThat(shown).containsPattern("blobs\\s+0\\s+10000").containsPattern("bytes\\s+0\\s+10000000000");
        }

        String set = run("user", "quota", email, "--buckets", "1", "--bytes", "2MiB", "--data-dir", dataDir.toString());
        assertThat(set).containsPattern("buckets\\s+0\\s+1\\n").containsPattern("bytes\\s+0\\s+2097152");

        try (var studio = Studio.start(StudioConfig.read(Map.of(), 0, dataDir))) {
            var api = new Api(studio.port());
            String token = api.post("/api/v1/auth/login", null, Map.of("email", email, "password", "correct horse battery staple"))
                    .json().get("accessToken").asString();
            assertThat(api.post("/api/v1/buckets", token, Map.of("name", "One")).status()).isEqualTo(201);
            assertThat(api.post("/api/v1/buckets", token, Map.of("name", "Two")).status()).isEqualTo(403);
        }

        String reset = run("user", "quota", email, "--buckets", "default", "--data-dir", dataDir.toString());
        assertThat(reset).containsPattern("buckets\\s+1\\s+1000\\n").containsPattern("bytes\\s+\\d+\\s+2097152");
    }

    @Test
    void an_unknown_user_or_a_malformed_maximum_is_an_error() {
        var err = new StringWriter();
        var command = new CommandLine(new Main()).setErr(new PrintWriter(err));
        assertThat(command.execute("user", "quota", "nobody@example.org", "--bytes", "5XB", "--data-dir", dataDir.toString()))
                .isNotZero();
        assertThatThrownBy(() -> Sizes.maximum("5XB", "--bytes", true)).hasMessageContaining("--bytes");
        assertThatThrownBy(() -> Sizes.maximum("5MB", "--blobs", false)).hasMessageContaining("--blobs");
        assertThatThrownBy(() -> Sizes.maximum("99999999999TB", "--bytes", true)).hasMessageContaining("too large");
        assertThat(Sizes.maximum("10GB", "--bytes", true)).isEqualTo(10_000_000_000L);
        assertThat(Sizes.maximum("1 KiB", "--bytes", true)).isEqualTo(1024L);
        assertThat(Sizes.maximum(null, "--bytes", true)).isNull();
    }

    private static String run(String... args) {
        var out = new StringWriter();
        int exit = new CommandLine(new Main()).setOut(new PrintWriter(out)).execute(args);
        assertThat(exit).as(out.toString()).isZero();
        return out.toString();
    }
}
