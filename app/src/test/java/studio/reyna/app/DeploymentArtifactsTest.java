package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The deployment artifacts (Dockerfile, deploy/compose.yaml, deploy/k8s) cannot run here — no
 * container engine, no cluster — so they are kept honest against the code: every studio variable
 * they set is one the studio reads, and the Kubernetes files are all applied together.
 */
class DeploymentArtifactsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern VARIABLE = Pattern.compile("\\b(REYNA_[A-Z0-9_]+)\\b");

    @Test
    void every_variable_the_artifacts_set_is_one_the_studio_reads() throws IOException {
        var known = new TreeSet<String>();
        StudioConfig.SETTINGS.forEach(setting -> known.add(setting.name()));
        var used = new TreeMap<String, Path>();
        for (Path file : artifacts()) {
            var matcher = VARIABLE.matcher(Files.readString(file));
            while (matcher.find()) {
                String name = matcher.group(1);
                // Any setting may be given as a file: NAME_FILE.
                used.put(name.endsWith("_FILE") ? name.substring(0, name.length() - 5) : name, file);
            }
        }
        assertThat(used).as("variables set by the artifacts").isNotEmpty().containsKeys("REYNA_DB_URL", "REYNA_NATS_URL",
                "REYNA_REDIS_URL", "REYNA_ROLES", "REYNA_METRICS_TOKEN", "REYNA_HOST");
        for (Map.Entry<String, Path> use : used.entrySet()) {
            assertThat(known).as(use.getKey() + " in " + ROOT.relativize(use.getValue())).contains(use.getKey());
        }
    }

    @Test
    void the_kustomization_applies_every_manifest_and_each_has_a_kind() throws IOException {
        Path k8s = ROOT.resolve("deploy/k8s");
        String kustomization = Files.readString(k8s.resolve("kustomization.yaml"));
        try (Stream<Path> files = Files.list(k8s)) {
            var manifests = files.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") && !name.equals("kustomization.yaml") && !name.contains(".example."))
                    .sorted().toList();
            assertThat(manifests).contains("deployment-api.yaml", "deployment-processors.yaml", "service.yaml", "ingress.yaml",
                    "configmap.yaml", "pdb.yaml", "hpa.yaml");
            for (String manifest : manifests) {
                assertThat(kustomization).as("kustomization lists " + manifest).contains("- " + manifest);
                assertThat(Files.readString(k8s.resolve(manifest))).as(manifest).containsPattern("(?m)^kind: [A-Za-z]+$");
            }
        }
        // The two roles split as docs/deployment.md says, from the roles the studio knows.
        assertThat(Files.readString(k8s.resolve("deployment-api.yaml"))).contains("value: \"api,relay\"");
        assertThat(Files.readString(k8s.resolve("deployment-processors.yaml"))).contains("value: \"processors,relay\"");
        assertThat(StudioConfig.ROLES).contains("api", "processors", "relay");
    }

    private static List<Path> artifacts() throws IOException {
        try (Stream<Path> k8s = Files.list(ROOT.resolve("deploy/k8s"))) {
            return Stream.concat(Stream.of(ROOT.resolve("Dockerfile"), ROOT.resolve("deploy/compose.yaml")), k8s).toList();
        }
    }
}
