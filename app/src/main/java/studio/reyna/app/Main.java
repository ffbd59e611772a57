package studio.reyna.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import studio.reyna.db.backup.Backups;
import studio.reyna.state.usage.Usage;

/**
 * The command line: {@code serve} runs the studio, {@code migrate} only updates the database,
 * {@code user quota} shows or sets one user's quotas, {@code schema migrate} rewrites a schema's blobs
 * at its latest version, {@code export} and {@code import} move content out of and into a running studio,
 * {@code backup} and {@code restore} copy a whole installation.
 */
@Command(name = "reyna", mixinStandardHelpOptions = true, version = "ReYNa Studio 0.1.0",
        description = "Self-hostable, real-time, schema-driven content studio.",
        subcommands = {Main.Serve.class, Main.Migrate.class, Main.User.class, Main.Schema.class, ExportCommand.class,
                ImportCommand.class, Main.Backup.class, Main.Restore.class})
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);

    public static void main(String[] args) {
        int exit = new CommandLine(new Main())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    if (e instanceof Environment.ConfigException) {
                        cmd.getErr().println("configuration error: " + e.getMessage());
                        return 2;
                    }
                    if (e instanceof StudioClient.Failure || e instanceof java.net.ConnectException) {
                        cmd.getErr().println("reyna " + cmd.getCommandName() + ": " + (e instanceof java.net.ConnectException
                                ? "cannot reach the studio (is it running, and is --url right?)" : e.getMessage()));
                        return 1;
                    }
                    if (e instanceof Backups.Refused) {
                        // Expected and explained: the message is the whole story, a stack trace would bury it.
                        cmd.getErr().println("reyna " + cmd.getCommandName() + ": " + e.getMessage());
                        return 1;
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

    @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the studio and print the URL to open.")
    static final class Serve extends DataOptions implements Callable<Integer> {
        @Option(names = "--port", description = "HTTP port (default: $REYNA_PORT or 8080; 0 picks a free one)")
        Integer port;

        @Option(names = "--roles", description = "what this node does, a comma-separated choice of api, processors and "
                + "relay (default: $REYNA_ROLES or all three)")
        String roles;

        @Override
        public Integer call() throws InterruptedException {
            long started = System.nanoTime();
            var config = StudioConfig.read(System.getenv(), port, dataDir, roles);
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

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Bring the database schema up to date, then exit.")
    static final class Migrate extends DataOptions implements Callable<Integer> {
        @Override
        public Integer call() {
            var config = StudioConfig.read(System.getenv(), null, dataDir);
            try (var connected = Studio.connect(config, true)) {
                System.out.println("database schema is at version " + connected.schemaVersion());
            }
            return 0;
        }
    }

    @Command(name = "user", mixinStandardHelpOptions = true, description = "Administer one user.",
            subcommands = Main.Quota.class)
    static final class User {
    }

    @Command(name = "quota", mixinStandardHelpOptions = true,
            description = "Show a user's use and quotas; with options, set their own maxima first.")
    static final class Quota extends DataOptions implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", description = "the user's email")
        String email;

        @Option(names = "--blobs", description = "most blobs, or 'default'")
        String blobs;

        @Option(names = "--buckets", description = "most buckets, or 'default'")
        String buckets;

        @Option(names = "--bytes", description = "most storage: bytes, or with a unit (500MB, 10GB, 2GiB), or 'default'")
        String bytes;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var config = StudioConfig.read(System.getenv(), null, dataDir);
            var maxima = new Usage.Override(Sizes.maximum(blobs, "--blobs", false), Sizes.maximum(buckets, "--buckets", false),
                    Sizes.maximum(bytes, "--bytes", true));
            try (var connected = Studio.connect(config, true)) {
                var quotas = config.quotas();
                var usage = new Usage(connected.database().jdbi(), new Usage.Limits(quotas.blobs(), quotas.buckets(), quotas.bytes()));
                var user = usage.userWithEmail(email);
                if (user.isEmpty()) {
                    spec.commandLine().getErr().println("there is no user with the email " + email);
                    return 1;
                }
                boolean changing = blobs != null || buckets != null || bytes != null;
                var report = changing ? usage.override(user.get(), maxima) : usage.of(user.get());
                var out = spec.commandLine().getOut();
                out.printf("%-8s %15s %15s%n", "quota", "used", "max");
                out.printf("%-8s %15d %15d%n", "blobs", report.blobs().used(), report.blobs().max());
                out.printf("%-8s %15d %15d%n", "buckets", report.buckets().used(), report.buckets().max());
                out.printf("%-8s %15d %15d%n", "bytes", report.bytes().used(), report.bytes().max());
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "schema", mixinStandardHelpOptions = true, description = "Administer schemas.",
            subcommands = Main.SchemaMigrate.class)
    static final class Schema {
    }

    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Rewrite every blob of a schema stored at an older version at its latest version, in batches, "
                    + "beside live traffic. Stopped, it goes on where it stopped when run again.")
    static final class SchemaMigrate extends DataOptions implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", description = "the schema's id")
        String schemaId;

        @Option(names = "--batch-size", description = "blobs per transaction (default: ${DEFAULT-VALUE})", defaultValue = "200")
        int batchSize;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (batchSize < 1 || batchSize > 10_000) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--batch-size must be 1 to 10000");
            }
            var config = StudioConfig.read(System.getenv(), null, dataDir);
            try (var connected = Studio.connect(config, true)) {
                var migrations = Studio.blobMigrations(connected, config);
                var err = spec.commandLine().getErr();
                long total;
                try {
                    total = migrations.olderThanLatest(schemaId);
                } catch (studio.reyna.core.problem.NotFoundException e) {
                    err.println(e.getMessage());
                    return 1;
                }
                var bar = new ProgressBar(err, "blobs", total, Progress.onTerminal());
                var outcome = migrations.migrate(schemaId, batchSize, bar::update);
                bar.finish();
                var out = spec.commandLine().getOut();
                out.printf("schema '%s': %d blobs rewritten at version %d, %d left at their own version%n", schemaId,
                        outcome.migrated(), outcome.latestVersion(), outcome.left());
                if (outcome.left() > 0) {
                    out.println("(a version on their way has no migration, or the migration does not fit them: see the log)");
                }
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true,
            description = "Back up the whole installation (its database) to one file; works while the studio runs.")
    static final class Backup extends DataOptions implements Callable<Integer> {
        @Option(names = "--out", description = "the file to write (default: reyna-backup-<time>.dump, or .tar.gz for a "
                + "physical backup of the embedded database); never overwritten")
        Path out;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var config = StudioConfig.read(System.getenv(), null, dataDir);
            Backups.backup(installation(config), out, progress(spec));
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = "Restore a backup into the configured database (external) or data directory "
                    + "(embedded; the studio must be stopped).")
    static final class Restore extends DataOptions implements Callable<Integer> {
        @picocli.CommandLine.Parameters(index = "0", description = "the backup file")
        Path file;

        @Option(names = "--force", description = "replace a database that holds a studio already (embedded: the old one is kept aside)")
        boolean force;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            var config = StudioConfig.read(System.getenv(), null, dataDir);
            Backups.restore(installation(config), file, force, progress(spec));
            return 0;
        }
    }

    private static Backups.Installation installation(StudioConfig config) {
        return new Backups.Installation(config.database().jdbcUrl(), config.dataDir(), System.getenv("REYNA_PG_BIN"));
    }

    /** Progress goes to stderr, so stdout stays free for the log (and for pipes). */
    private static studio.reyna.db.backup.Progress progress(picocli.CommandLine.Model.CommandSpec spec) {
        var err = spec.commandLine().getErr();
        return line -> {
            err.println("reyna " + spec.name() + ": " + line);
            err.flush();
        };
    }
}
