package studio.reyna.db.backup;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * PostgreSQL's client programs ({@code pg_dump}, {@code pg_restore}): which one to run, and how to
 * tell it where the database is. {@code pg_dump} refuses servers of a newer major version than its
 * own, so a program is chosen by its version, not only by where it is.
 */
final class PgTools {
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(\\.\\d+)?");
    private static final Path DEBIAN_VERSIONS = Path.of("/usr/lib/postgresql");

    /** One client program and the version it reported. */
    record Program(Path path, int major, String version) {
    }

    private PgTools() {
    }

    /**
     * The first {@code name} of major version {@code minimumMajor} or later, looked for in
     * {@code configuredBin} (REYNA_PG_BIN), then in Debian's {@code /usr/lib/postgresql/<version>/bin}
     * (newest first), then on the PATH.
     */
    static Optional<Program> find(String name, int minimumMajor, String configuredBin) {
        return candidates(name, configuredBin).stream().filter(p -> p.major() >= minimumMajor).findFirst();
    }

    /** What {@link #find} looked at, for an error that says what there is. */
    static List<Program> candidates(String name, String configuredBin) {
        var directories = new ArrayList<Path>();
        if (configuredBin != null && !configuredBin.isBlank()) {
            directories.add(Path.of(configuredBin));
        }
        if (Files.isDirectory(DEBIAN_VERSIONS)) {
            try (Stream<Path> versions = Files.list(DEBIAN_VERSIONS)) {
                versions.filter(dir -> dir.getFileName().toString().matches("\\d+"))
                        .sorted(Comparator.comparingInt((Path dir) -> Integer.parseInt(dir.getFileName().toString())).reversed())
                        .forEach(dir -> directories.add(dir.resolve("bin")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isBlank()) {
                directories.add(Path.of(dir));
            }
        }
        var found = new ArrayList<Program>();
        var seen = new java.util.HashSet<Path>();
        for (Path dir : directories) {
            Path program = dir.resolve(name);
            if (Files.isExecutable(program) && seen.add(realPath(program))) {
                version(program).ifPresent(found::add);
            }
        }
        return found;
    }

    /** The error when no program is recent enough: what the server is, what was found, what to install. */
    static String missing(String name, int serverMajor, String serverVersion, List<Program> found) {
        if (found.isEmpty() && serverMajor == 0) {
            return "no " + name + " was found: install the PostgreSQL client programs (e.g. postgresql-client) or set "
                    + "REYNA_PG_BIN to the directory that holds them";
        }
        String there = found.isEmpty() ? "none was found"
                : "found only " + String.join(", ", found.stream().map(p -> p.version() + " (" + p.path() + ")").toList());
        return "the database server is PostgreSQL " + serverVersion + " and " + name + " must be version " + serverMajor
                + " or later, but " + there + ". Install the PostgreSQL " + serverMajor + " client programs (e.g. "
                + "postgresql-client-" + serverMajor + " from apt.postgresql.org) or set REYNA_PG_BIN to the directory that holds them";
    }

    private static Optional<Program> version(Path program) {
        try {
            var result = run(List.of(program.toString(), "--version"), Map.of());
            var matcher = VERSION.matcher(result.out());
            if (result.exit() != 0 || !matcher.find()) {
                return Optional.empty();
            }
            return Optional.of(new Program(program, Integer.parseInt(matcher.group(1)),
                    matcher.group(1) + (matcher.group(2) == null ? "" : matcher.group(2))));
        } catch (UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath();
        }
    }

    /**
     * libpq's environment for the database a JDBC URL names. The password goes in PGPASSWORD, so it
     * is on no command line (which any user of the machine can read) and in no log.
     */
    static Map<String, String> environment(String jdbcUrl) {
        String prefix = "jdbc:postgresql://";
        if (!jdbcUrl.startsWith(prefix)) {
            throw new IllegalArgumentException("the database URL must name a host (jdbc:postgresql://host:port/db)");
        }
        String rest = jdbcUrl.substring(prefix.length());
        int query = rest.indexOf('?');
        String params = query < 0 ? "" : rest.substring(query + 1);
        String location = query < 0 ? rest : rest.substring(0, query);
        int slash = location.indexOf('/');
        String hosts = slash < 0 ? location : location.substring(0, slash);
        String database = slash < 0 ? "" : decode(location.substring(slash + 1));
        var env = new LinkedHashMap<String, String>();
        var hostNames = new ArrayList<String>();
        var ports = new ArrayList<String>();
        for (String host : hosts.split(",")) {
            // [v6::addr]:port or host:port
            int colon = host.lastIndexOf(':');
            boolean hasPort = colon > host.lastIndexOf(']');
            hostNames.add((hasPort ? host.substring(0, colon) : host).replace("[", "").replace("]", ""));
            ports.add(hasPort ? host.substring(colon + 1) : "5432");
        }
        env.put("PGHOST", String.join(",", hostNames));
        env.put("PGPORT", String.join(",", ports));
        env.put("PGDATABASE", database.isEmpty() ? "postgres" : database);
        var libpqNames = Map.of("user", "PGUSER", "password", "PGPASSWORD", "sslmode", "PGSSLMODE",
                "sslrootcert", "PGSSLROOTCERT", "sslcert", "PGSSLCERT", "sslkey", "PGSSLKEY",
                "connectTimeout", "PGCONNECT_TIMEOUT", "ApplicationName", "PGAPPNAME");
        for (String pair : params.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && libpqNames.containsKey(pair.substring(0, eq))) {
                env.put(libpqNames.get(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
            }
        }
        return env;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** How a program ended: its exit code, standard output and error output. */
    record Result(int exit, String out, String err) {
        /** The last lines of the error output, which say why a program failed. */
        String why() {
            var lines = err.strip().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        }
    }

    /** Runs a program to its end; {@code environment} is added to this process's own. */
    static Result run(List<String> command, Map<String, String> environment) {
        try {
            var builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            var process = builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            // Both streams are read at once: a program that fills one pipe while we wait on the other would hang.
            var err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            String out = readAll(process.getInputStream());
            return new Result(process.waitFor(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.getFirst(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while " + command.getFirst() + " ran", e);
        }
    }

    private static String readAll(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
