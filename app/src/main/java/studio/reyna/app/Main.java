package studio.reyna.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The command line: {@code serve} runs the studio, {@code migrate} only updates the database. */
@Command(name = "reyna", mixinStandardHelpOptions = true, version = "ReYNa Studio 0.1.0",
        description = "Self-hostable, real-time, schema-driven content studio.",
        subcommands = {Main.Serve.class, Main.Migrate.class})
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    public static void main(String[] args) {
        int exit = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof Environment.ConfigException) {
                        cmd.getErr().println("configuration error: " + e.getMessage());
                        return 2;
                    }
                    log.error("reyna {} failed: {}", cmd.getCommandName(), e.getMessage(), e);
                    cmd.getErr().println("reyna " + cmd.getCommandName() + " failed: " + e.getMessage());
                    return 1;
                })
                .execute(args.length == 0 ? new String[] {"serve"} : args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    static class DataOptions {
        @Option(names = "--data-dir", description = "where the embedded PostgreSQL keeps its data (default: $REYNA_DATA_DIR or ./data)")
        Path dataDir;
    }

    @Command(name = "serve", description = "Run the studio and print the URL to open.")
    static final class Serve extends DataOptions implements Callable<Integer> {
        @Option(names = "--port", description = "HTTP port (default: $REYNA_PORT or 8080; 0 picks a free one)")
        Integer port;

        @Override
        public Integer call() throws InterruptedException {
            long started = System.nanoTime();
            var config = StudioConfig.read(System.getenv(), port, dataDir);
            var studio = Studio.start(config);
            var stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("stopping");
                studio.close();
                stopped.countDown();
            }, "shutdown"));
            String url = Studio.url(config.http(), studio.port());
            System.out.printf("ReYNa Studio is ready at %s (started in %.1f s)%n", url,
                    (System.nanoTime() - started) / 1e9);
            System.out.flush();
            stopped.await();
            return 0;
        }
    }

    @Command(name = "migrate", description = "Bring the database schema up to date, then exit.")
    static final class Migrate extends DataOptions implements Callable<Integer> {
        @Override
        public Integer call() {
            var config = StudioConfig.read(System.getenv(), null, dataDir);
            try (var connected = Studio.connect(config)) {
                System.out.println("database schema is at version " + connected.schemaVersion());
            }
            return 0;
        }
    }
}
