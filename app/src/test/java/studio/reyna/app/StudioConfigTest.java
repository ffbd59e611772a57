package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StudioConfigTest {
    @TempDir
    Path temp;

    @Test
    void without_settings_it_runs_embedded_on_localhost_8080() {
        var config = StudioConfig.read(Map.of(), null, null);
        assertThat(config.database().jdbcUrl()).isNull();
        assertThat(config.http().host()).isEqualTo("127.0.0.1");
        assertThat(config.http().port()).isEqualTo(8080);
        assertThat(config.http().maxBodyBytes()).isEqualTo(10L * 1024 * 1024);
        assertThat(config.dataDir()).isEqualTo(Path.of("data").toAbsolutePath());
        assertThat(config.auth().accessTokenLifetime().toMinutes()).isEqualTo(15);
        assertThat(config.auth().refreshTokenLifetime().toDays()).isEqualTo(30);
    }

    @Test
    void command_line_options_win_over_the_environment() {
        var config = StudioConfig.read(Map.of("REYNA_PORT", "9000", "REYNA_DATA_DIR", "/srv/env"), 9100, temp);
        assertThat(config.http().port()).isEqualTo(9100);
        assertThat(config.dataDir()).isEqualTo(temp);
        assertThat(StudioConfig.read(Map.of("REYNA_PORT", "9000"), null, null).http().port()).isEqualTo(9000);
    }

    @Test
    void reads_both_forms_of_database_url() {
        assertThat(StudioConfig.read(Map.of("REYNA_DB_URL", "postgresql://u:p@db:5433/reyna"), null, null)
                .database().jdbcUrl()).isEqualTo("jdbc:postgresql://db:5433/reyna?user=u&password=p");
        assertThat(StudioConfig.read(Map.of("REYNA_DB_URL", "jdbc:postgresql://db/reyna?user=u"), null, null)
                .database().jdbcUrl()).isEqualTo("jdbc:postgresql://db/reyna?user=u");
    }

    @Test
    void reads_a_secret_from_a_mounted_file() throws Exception {
        Path secret = temp.resolve("jwk");
        Files.writeString(secret, "{\"kty\":\"EC\"}\n");
        var config = StudioConfig.read(Map.of("REYNA_JWT_KEY_FILE", secret.toString()), null, null);
        assertThat(config.auth().jwtKey()).isEqualTo("{\"kty\":\"EC\"}");
        assertThat(config.unknownVariables()).isEmpty();
    }

    @Test
    void a_wrong_setting_is_refused_with_its_name() {
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_PORT", "eighty"), null, null))
                .hasMessageContaining("REYNA_PORT");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_MAX_BODY_BYTES", "10"), null, null))
                .hasMessageContaining("REYNA_MAX_BODY_BYTES").hasMessageContaining("between");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_DB_URL", "mysql://x"), null, null))
                .hasMessageContaining("REYNA_DB_URL");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_JWT_KEY_FILE", temp.resolve("none").toString()), null, null))
                .hasMessageContaining("REYNA_JWT_KEY_FILE");
        assertThatThrownBy(() -> StudioConfig.read(Map.of(), 70000, null)).hasMessageContaining("--port");
    }

    @Test
    void keeps_attachments_in_postgresql_unless_an_s3_store_is_named_whole() throws Exception {
        var embedded = StudioConfig.read(Map.of("REYNA_DB_POOL_SIZE", "10"), null, null).attachments();
        assertThat(embedded.s3()).isNull();
        assertThat(embedded.maxBytes()).isEqualTo(5L << 30);
        assertThat(embedded.maxUploads()).isEqualTo(5);

        Path secret = temp.resolve("s3-secret");
        Files.writeString(secret, "very secret\n");
        var s3 = StudioConfig.read(Map.of("REYNA_S3_ENDPOINT", "http://127.0.0.1:9000", "REYNA_S3_BUCKET", "files",
                "REYNA_S3_ACCESS_KEY", "key", "REYNA_S3_SECRET_KEY_FILE", secret.toString(), "REYNA_S3_PATH_STYLE", "FALSE",
                "REYNA_MAX_ATTACHMENT_BYTES", "1000"), null, null).attachments();
        assertThat(s3.maxBytes()).isEqualTo(1000);
        assertThat(s3.s3().secretKey()).isEqualTo("very secret");
        assertThat(s3.s3().region()).isEqualTo("us-east-1");
        assertThat(s3.s3().pathStyle()).isFalse();
        assertThat(s3.s3().toString()).doesNotContain("very secret");

        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_S3_BUCKET", "files"), null, null))
                .hasMessageContaining("REYNA_S3_BUCKET").hasMessageContaining("REYNA_S3_ENDPOINT");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_S3_ENDPOINT", "http://s3:9000", "REYNA_S3_BUCKET", "files",
                "REYNA_S3_ACCESS_KEY", "key"), null, null)).hasMessageContaining("REYNA_S3_SECRET_KEY");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_S3_ENDPOINT", "s3.example.org"), null, null))
                .hasMessageContaining("REYNA_S3_ENDPOINT");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_S3_ENDPOINT", "http://s3:9000", "REYNA_S3_BUCKET", "Files!",
                "REYNA_S3_ACCESS_KEY", "k", "REYNA_S3_SECRET_KEY", "s"), null, null)).hasMessageContaining("REYNA_S3_BUCKET");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_MAX_ATTACHMENT_BYTES", "0"), null, null))
                .hasMessageContaining("REYNA_MAX_ATTACHMENT_BYTES");
    }

    @Test
    void the_log_format_and_metrics_token_are_checked() {
        var defaults = StudioConfig.read(Map.of(), null, null).operations();
        assertThat(defaults.logFormat()).isEqualTo("json");
        assertThat(defaults.metricsToken()).isNull();
        assertThat(StudioConfig.read(Map.of("REYNA_LOG_FORMAT", "text", "REYNA_METRICS_TOKEN", "0123456789abcdef"), null, null)
                .operations()).isEqualTo(new StudioConfig.Operations("0123456789abcdef", "text", null));
        assertThat(StudioConfig.read(Map.of("REYNA_SENTRY_DSN", "https://abc@sentry.example.org/42"), null, null)
                .operations().sentryDsn()).isEqualTo("https://abc@sentry.example.org/42");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_SENTRY_DSN", "sentry.example.org"), null, null))
                .hasMessageContaining("REYNA_SENTRY_DSN");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_LOG_FORMAT", "xml"), null, null))
                .hasMessageContaining("REYNA_LOG_FORMAT must be json or text");
        assertThatThrownBy(() -> StudioConfig.read(Map.of("REYNA_METRICS_TOKEN", "short"), null, null))
                .hasMessageContaining("REYNA_METRICS_TOKEN");
    }

    @Test
    void names_variables_it_does_not_read() {
        var config = StudioConfig.read(Map.of("REYNA_PROT", "1", "REYNA_PORT", "1", "OTHER", "x"), null, null);
        assertThat(config.unknownVariables()).containsExactly("REYNA_PROT");
    }

    @Test
    void the_configuration_reference_lists_exactly_the_variables_the_code_reads() throws Exception {
        String reference = Files.readString(Path.of("../docs/configuration.md"));
        var documented = new TreeSet<String>();
        var matcher = Pattern.compile("^\\| `(REYNA_[A-Z0-9_]+)` \\|", Pattern.MULTILINE).matcher(reference);
        while (matcher.find()) {
            documented.add(matcher.group(1));
        }
        var read = new TreeSet<String>();
        StudioConfig.SETTINGS.forEach(setting -> read.add(setting.name()));
        assertThat(documented).isEqualTo(read);
    }
}
