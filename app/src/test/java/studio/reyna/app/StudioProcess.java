package studio.reyna.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A studio in a JVM of its own, as an operator starts it: on a free loopback port, with only the
 * {@code REYNA_*} variables given, its output (the log) copied to a file as it comes.
 */
final class StudioProcess implements AutoCloseable {
    private static final Pattern READY = Pattern.compile("ReYNa Studio is ready at http://[^:]+:(\\d+)/");

    final Process process;
    final int port;
    final Path log;

    private StudioProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /**
     * @param dir         where the log ({@code studio.log}) and an unused data directory go
     * @param jvmFlags    flags for the child JVM
     * @param environment its {@code REYNA_*} variables (none is inherited)
     */
    static StudioProcess start(Path dir, List<String> jvmFlags, Map<String, String> environment) throws Exception {
        return start(dir, jvmFlags, environment, dir.resolve("unused-data"));
    }

    /** As above, with the embedded database in {@code dataDir} (kept from one start to the next). */
    static StudioProcess start(Path dir, List<String> jvmFlags, Map<String, String> environment, Path dataDir) throws Exception {
        Files.createDirectories(dir);
        var command = Processes.reynaCommand(jvmFlags, "serve", "--port", "0", "--data-dir", dataDir.toString());
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(name -> name.startsWith("REYNA_"));
        builder.environment().putAll(environment);
        Path log = dir.resolve("studio.log");
        var child = builder.start();
        try {
            return new StudioProcess(child, portOf(child, log), log);
        } catch (Exception e) {
            child.destroyForcibly().waitFor();
            throw e;
        }
    }

    /** Copies the child's output to {@code log} and answers the port it prints once it is ready. */
    private static int portOf(Process child, Path log) throws Exception {
        var port = new CompletableFuture<Integer>();
        Thread.ofPlatform().daemon().start(() -> {
            try (var in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                 var out = Files.newBufferedWriter(log)) {
                for (String line; (line = in.readLine()) != null; ) {
                    out.write(line);
                    out.newLine();
                    out.flush();
                    var ready = READY.matcher(line);
                    if (ready.find()) {
                        port.complete(Integer.parseInt(ready.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("the studio exited; see " + log.toAbsolutePath()));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        });
        return port.get(120, TimeUnit.SECONDS);
    }

    /** Stops the studio as an orchestrator would (SIGTERM), forcibly after 30 s. */
    @Override
    public void close() throws InterruptedException {
        Processes.stop(process, java.time.Duration.ofSeconds(30));
    }
}
