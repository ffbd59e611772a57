package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Child processes of the tests: commands run to their end, servers stopped. */
final class Processes {
    private Processes() {
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
