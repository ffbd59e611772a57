package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * {@code reyna backup} and {@code reyna restore} as an operator runs them: each command in a process
 * of its own, against a studio that keeps serving, then a studio started on what was restored.
 */
class BackupTest {
    private static final String PASSWORD = "correct horse battery staple";
    /**
     * No rate limits, and no processors: they would add derived data to blobs at their own pace, so
     * content read before a backup could differ from the same content read after the restore.
     */
    private static final Map<String, String> STEADY = Map.of("REYNA_RATE_LIMITS", "off", "REYNA_ROLES", "api,relay");

    @TempDir
    Path dir;

    @Test
    void an_external_database_is_backed_up_while_the_studio_runs_and_restored_into_another_one() throws Exception {
        String source = TestDatabase.createEmpty();
        String target = TestDatabase.createEmpty();
        Path backup = dir.resolve("studio.dump");
        Content before;
        try (var studio = Studio.start(StudioConfig.read(withDatabase(source), 0, dir.resolve("unused")))) {
            var api = new Api(studio.port());
            before = Content.seed(api);
            var made = reyna(withDatabase(source), "backup", "--out", backup.toString());
            assertThat(made.exit()).as(made.output()).isZero();
            assertThat(made.output()).contains("pg_dump", "wrote " + backup);
        }

        var restored = reyna(withDatabase(target), "restore", backup.toString());
        assertThat(restored.exit()).as(restored.output()).isZero();
        assertThat(restored.output()).contains("restored " + backup + ": schema version");

        var again = reyna(withDatabase(target), "restore", backup.toString());
        assertThat(again.exit()).as("a database that holds a studio is not replaced without --force").isEqualTo(1);
        assertThat(again.output()).contains("is not empty", "--force");

        try (var studio = Studio.start(StudioConfig.read(withDatabase(target), 0, dir.resolve("unused")))) {
            assertThat(Content.of(new Api(studio.port()), before.email())).isEqualTo(before);
        }

        var replaced = reyna(withDatabase(target), "restore", backup.toString(), "--force");
        assertThat(replaced.exit()).as(replaced.output()).isZero();
        try (var studio = Studio.start(StudioConfig.read(withDatabase(target), 0, dir.resolve("unused")))) {
            assertThat(Content.of(new Api(studio.port()), before.email())).isEqualTo(before);
        }
    }

    @Test
    void the_embedded_database_is_backed_up_while_its_studio_writes_and_restored_into_a_new_data_directory() throws Exception {
        Path dataDir = dir.resolve("data");
        Path backup = dir.resolve("studio.tar.gz");
        Content before;
        var acknowledged = new CopyOnWriteArrayList<Integer>();
        int acknowledgedAtStart;
        int acknowledgedAtEnd;
        try (var studio = StudioProcess.start(dir.resolve("studio"), List.of(), STEADY, dataDir)) {
            var api = new Api(studio.port);
            before = Content.seed(api);
            String token = before.token();
            String writes = Api.expect(api.post("/api/v1/buckets", token, Map.of("name", "Writes")), 201).get("id").asString();
            var stop = new AtomicBoolean();
            var refusedWrite = new java.util.concurrent.atomic.AtomicReference<String>();
            // Numbered blobs, one after the other: a consistent copy holds exactly the first k of them.
            var writer = Thread.ofPlatform().start(() -> {
                for (int n = 0; !stop.get() && refusedWrite.get() == null; n++) {
                    var created = api.post("/api/v1/buckets/" + writes + "/blobs", token,
                            Map.of("schemaId", "note", "data", Map.of("n", n)));
                    if (created.status() == 201) {
                        acknowledged.add(n);
                    } else {
                        refusedWrite.set(created.status() + " " + created.text());
                    }
                }
            });
            org.awaitility.Awaitility.await().until(() -> acknowledged.size() >= 20);

            acknowledgedAtStart = acknowledged.size();
            var made = reyna(Map.of(), "backup", "--data-dir", dataDir.toString(), "--out", backup.toString());
            acknowledgedAtEnd = acknowledged.size();
            assertThat(made.exit()).as(made.output()).isZero();
            assertThat(made.output()).contains("a studio runs on", "online physical backup", "wrote " + backup);
            assertThat(acknowledgedAtEnd).as("the studio kept taking writes during the backup").isGreaterThan(acknowledgedAtStart);

            var refused = reyna(Map.of(), "restore", backup.toString(), "--data-dir", dataDir.toString(), "--force");
            assertThat(refused.exit()).isEqualTo(1);
            assertThat(refused.output()).contains("is running on " + dataDir, "stop it");

            stop.set(true);
            writer.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(refusedWrite.get()).as("every write during the backup succeeded").isNull();
        }

        Path restoredDir = dir.resolve("restored");
        var restored = reyna(Map.of(), "restore", backup.toString(), "--data-dir", restoredDir.toString());
        assertThat(restored.exit()).as(restored.output()).isZero();
        assertThat(restored.output()).contains("replays the WAL", "restored " + backup + " into " + restoredDir);

        try (var studio = StudioProcess.start(dir.resolve("studio-restored"), List.of(), STEADY, restoredDir)) {
            var api = new Api(studio.port);
            var content = Content.of(api, before.email());
            assertThat(content).isEqualTo(before);
            var numbers = new ArrayList<Integer>();
            var writesBucket = content.buckets().stream().filter(b -> b.get("name").asString().equals("Writes")).findFirst();
            assertThat(writesBucket).isPresent();
            for (var blob : Content.blobsOf(api, content.token(), writesBucket.get().get("id").asString())) {
                numbers.add(blob.at("/data/n").asInt());
            }
            numbers.sort(null);
            int k = numbers.size();
            assertThat(numbers).as("a prefix of the writes, without gaps")
                    .isEqualTo(java.util.stream.IntStream.range(0, k).boxed().toList());
            assertThat(k).as("every write acknowledged before the backup started, none after it ended (but one in flight)")
                    .isBetween(acknowledgedAtStart, acknowledgedAtEnd + 1);
            var usage = Api.expect(api.get("/api/v1/me/usage", content.token()), 200);
            assertThat(usage.at("/blobs/used").asLong()).as("the usage counters agree with the rows").isEqualTo(Content.SEEDED_BLOBS + k);
        }

        var forced = reyna(Map.of(), "restore", backup.toString(), "--data-dir", dataDir.toString(), "--force");
        assertThat(forced.exit()).as(forced.output()).isZero();
        try (Stream<Path> entries = Files.list(dataDir)) {
            var aside = entries.filter(p -> p.getFileName().toString().startsWith("postgres.before-restore-")).toList();
            assertThat(aside).as("the replaced database is kept").hasSize(1);
            assertThat(forced.output()).contains("kept in " + aside.getFirst());
            assertThat(aside.getFirst().resolve("PG_VERSION")).exists();
        }

        Path truncated = dir.resolve("truncated.tar.gz");
        byte[] whole = Files.readAllBytes(backup);
        Files.write(truncated, java.util.Arrays.copyOf(whole, whole.length / 2));
        var filesBefore = files(dataDir);
        var cut = reyna(Map.of(), "restore", truncated.toString(), "--data-dir", dataDir.toString(), "--force");
        assertThat(cut.exit()).isEqualTo(1);
        assertThat(cut.output()).contains(truncated + " is cut short");
        assertThat(files(dataDir)).as("nothing changed").isEqualTo(filesBefore);

        // Whole and well-formed, but its label names a checkpoint the WAL does not hold: PostgreSQL cannot start on it.
        Path unreplayable = dir.resolve("unreplayable.tar.gz");
        rewriteBackupLabel(backup, unreplayable);
        var failed = reyna(Map.of(), "restore", unreplayable.toString(), "--data-dir", dataDir.toString(), "--force");
        assertThat(failed.exit()).isEqualTo(1);
        assertThat(failed.output()).contains("the restore failed, so the previous database is back in place", "exited while starting");
        assertThat(files(dataDir).stream().filter(name -> !name.startsWith("postgres.failed-restore-")).toList())
                .as("the data directory as it was, but for the failed restore kept for a look").isEqualTo(filesBefore);
    }

    private static void rewriteBackupLabel(Path backup, Path out) throws IOException {
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new java.util.zip.GZIPInputStream(Files.newInputStream(backup)));
             var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                     new java.util.zip.GZIPOutputStream(Files.newOutputStream(out)))) {
            for (var entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                byte[] content = in.readAllBytes();
                if (entry.getName().equals("backup_label")) {
                    content = new String(content, StandardCharsets.UTF_8)
                            .replaceFirst("CHECKPOINT LOCATION: \\S+", "CHECKPOINT LOCATION: 7/FF000080").getBytes(StandardCharsets.UTF_8);
                    // A new entry: the input stream still reads by the size of the one it handed out.
                    entry = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("backup_label");
                    entry.setSize(content.length);
                }
                tar.putArchiveEntry(entry);
                tar.write(content);
                tar.closeArchiveEntry();
            }
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.map(path -> dir.relativize(path) + " " + path.toFile().length()).sorted().toList();
        }
    }

    @Test
    void a_file_that_is_not_a_studio_backup_is_refused_and_nothing_changes() throws Exception {
        String database = TestDatabase.createEmpty();
        Studio.connect(StudioConfig.read(withDatabase(database), 0, dir.resolve("unused"))).close();
        String tablesBefore = tables(database);

        Path garbage = dir.resolve("garbage.dump");
        Files.writeString(garbage, "this is not a backup\n".repeat(100));
        var refused = reyna(withDatabase(database), "restore", garbage.toString(), "--force");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.output()).contains(garbage + " is not a backup of a studio");

        var missing = reyna(withDatabase(database), "restore", dir.resolve("no-such.dump").toString());
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.output()).contains("no-such.dump does not exist");

        Path otherDump = dir.resolve("other.dump");
        String other = TestDatabase.createEmpty();
        try (var connection = DriverManager.getConnection(other); var statement = connection.createStatement()) {
            statement.execute("create table invoices (id int primary key)");
        }
        Processes.output(new ProcessBuilder("pg_dump", "--format=custom", "--file=" + otherDump,
                other.replaceFirst("^jdbc:", "")), java.time.Duration.ofMinutes(1));
        var notStudio = reyna(withDatabase(database), "restore", otherDump.toString(), "--force");
        assertThat(notStudio.exit()).isEqualTo(1);
        assertThat(notStudio.output()).contains("not of a studio's database");

        Path emptyDataDir = dir.resolve("data");
        var physicalGarbage = reyna(Map.of(), "restore", garbage.toString(), "--data-dir", emptyDataDir.toString());
        assertThat(physicalGarbage.exit()).isEqualTo(1);
        assertThat(emptyDataDir).doesNotExist();

        assertThat(tables(database)).as("the database is as it was").isEqualTo(tablesBefore);
    }

    /** What one user sees: their buckets, every blob in them and every attachment's bytes. */
    record Content(String email, String token, List<JsonNode> buckets, Map<String, List<JsonNode>> blobs,
                   Map<String, String> attachments) {
        static final int SEEDED_BLOBS = 3;

        /** A user with a schema, a bucket, three blobs and an attachment, written through the API. */
        static Content seed(Api api) {
            var session = api.register("backup");
            String token = session.get("accessToken").asString();
            Api.expect(api.post("/api/v1/schemas", token, Api.JSON.readTree(
                    "{\"id\":\"note\",\"name\":\"Note\",\"schema\":{\"type\":\"object\"}}")), 201);
            String bucket = Api.expect(api.post("/api/v1/buckets", token, Map.of("name", "Notes")), 201).get("id").asString();
            String first = null;
            for (int i = 0; i < SEEDED_BLOBS; i++) {
                String id = Api.expect(api.post("/api/v1/buckets/" + bucket + "/blobs", token,
                        Map.of("schemaId", "note", "data", Map.of("text", "note " + i))), 201).get("id").asString();
                first = first == null ? id : first;
            }
            var upload = api.call("POST", "/api/v1/blobs/" + first + "/attachments?filename=minutes.txt", token, "text/plain",
                    "minutes of the meeting\n".repeat(1000), Map.of());
            assertThat(upload.status()).as(upload.text()).isEqualTo(201);
            return of(api, session.at("/user/email").asString());
        }

        /** Signs the user in (so the password must have survived) and reads everything they own. */
        static Content of(Api api, String email) {
            var login = Api.expect(api.post("/api/v1/auth/login", null, Map.of("email", email, "password", PASSWORD)), 200);
            String token = login.get("accessToken").asString();
            var buckets = new ArrayList<JsonNode>();
            Api.expect(api.get("/api/v1/buckets?limit=200", token), 200).get("items").forEach(buckets::add);
            var blobs = new java.util.TreeMap<String, List<JsonNode>>();
            var attachments = new java.util.TreeMap<String, String>();
            for (var bucket : buckets) {
                if (bucket.get("name").asString().equals("Writes")) {
                    continue; // still being written to while the content was read
                }
                var inBucket = blobsOf(api, token, bucket.get("id").asString());
                blobs.put(bucket.get("id").asString(), inBucket);
                for (var blob : inBucket) {
                    String path = "/api/v1/blobs/" + blob.get("id").asString() + "/attachments";
                    for (var attachment : Api.expect(api.get(path, token), 200).get("items")) {
                        String download = path + "/" + attachment.get("id").asString();
                        attachments.put(attachment.get("id").asString(), attachment + "\n" + api.get(download, token).text());
                    }
                }
            }
            return new Content(email, token, buckets, blobs, attachments);
        }

        /** Every blob of the bucket, each read whole (lists leave the data out). */
        static List<JsonNode> blobsOf(Api api, String token, String bucketId) {
            var all = new ArrayList<JsonNode>();
            String cursor = null;
            do {
                var page = Api.expect(api.get("/api/v1/buckets/" + bucketId + "/blobs?limit=200"
                        + (cursor == null ? "" : "&cursor=" + cursor), token), 200);
                for (var summary : page.get("items")) {
                    all.add(Api.expect(api.get("/api/v1/blobs/" + summary.get("id").asString(), token), 200));
                }
                cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asString();
            } while (cursor != null);
            return all;
        }

        /** Equal when the same user owns the same things (the token is new at every sign-in; "Writes" changes). */
        @Override
        public boolean equals(Object other) {
            return other instanceof Content that && email.equals(that.email) && blobs.equals(that.blobs)
                    && attachments.equals(that.attachments) && withoutWrites(buckets).equals(withoutWrites(that.buckets));
        }

        @Override
        public int hashCode() {
            return email.hashCode();
        }

        private static List<JsonNode> withoutWrites(List<JsonNode> buckets) {
            return buckets.stream().filter(bucket -> !bucket.get("name").asString().equals("Writes")).toList();
        }
    }

    private static Map<String, String> withDatabase(String jdbcUrl) {
        var environment = new HashMap<>(STEADY);
        environment.put("REYNA_DB_URL", jdbcUrl);
        return environment;
    }

    private static String tables(String jdbcUrl) throws SQLException {
        try (var connection = DriverManager.getConnection(jdbcUrl); var statement = connection.createStatement();
             var rows = statement.executeQuery("""
                     select string_agg(table_name || ':' || (xpath('/row/c/text()',
                            query_to_xml('select count(*) as c from ' || table_name, false, true, '')))[1]::text, ',' order by table_name)
                     from information_schema.tables where table_schema = 'public'""")) {
            rows.next();
            return rows.getString(1);
        }
    }

    /** {@code reyna <args>} in a process of its own, with only the given {@code REYNA_*} variables. */
    private static Processes.Outcome reyna(Map<String, String> environment, String... args) throws IOException, InterruptedException {
        return Processes.reyna(environment, Duration.ofMinutes(10), args);
    }
}
