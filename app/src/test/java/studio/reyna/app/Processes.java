package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Child processes of the tests: commands run to their end, servers stopped, the studio's own command line. */
final class Processes {
    private Processes() {
    }

    /**
     * The command that runs the studio's main class ({@code reyna <args>}) in a JVM of its own, with
     * the studio's logging configuration (not the tests', which the class path also holds). When the
     * tests run under the coverage agent, the child does too and adds what it ran to the same report.
     */
    static List<String> reynaCommand(List<String> jvmFlags, String... args) {
        var command = new ArrayList<String>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(flag -> flag.startsWith("-javaagent:") && flag.contains("jacoco"))
                .forEach(command::add);
        command.addAll(jvmFlags);
        command.add("-Dlogback.configurationFile=logback.xml");
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "studio.reyna.app.Main"));
        command.addAll(List.of(args));
        return command;
    }

    /** How a command ended: its exit code, and its output and errors together. */
    record Outcome(int exit, String output) {
    }

    /** {@code reyna <args>} run to its end within {@code limit}, with only the given {@code REYNA_*} variables. */
    static Outcome reyna(Map<String, String> environment, Duration limit, String... args) throws IOException, InterruptedException {
        var builder = new ProcessBuilder(reynaCommand(List.of(), args)).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("REYNA_"));
        builder.environment().putAll(environment);
        var process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)).as(output).isTrue();
        return new Outcome(process.exitValue(), output);
    }

    /** Runs the command to its end (output and errors together) and answers its output; it must exit 0 within {@code limit}. */
    static String output(ProcessBuilder command, Duration limit) throws IOException, InterruptedException {
        var process = command.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** SIGTERM, as an operator or orchestrator stops a server; SIGKILL if it has not exited within {@code grace}. */
    static void stop(Process process, Duration grace) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
