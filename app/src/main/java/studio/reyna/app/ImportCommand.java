package studio.reyna.app;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code reyna import}: sends an export file to a running studio, into a bucket. The studio imports
 * all of it or nothing, and a repeated import creates nothing twice: after any failure, the same
 * command can simply be run again.
 */
@Command(name = "import", mixinStandardHelpOptions = true, description = "Import an export file (JSON or zip) into a bucket of a running studio.")
final class ImportCommand implements Callable<Integer> {
    @Mixin
    StudioClient client;

    @Option(names = "--bucket", required = true, description = "the bucket the export's buckets go into")
    UUID bucket;

    @Parameters(index = "0", description = "the export: a .json document or a .zip with attachments")
    Path file;

    /** The environment credentials are read from; the process's own outside tests. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!Files.isRegularFile(file)) {
            throw new StudioClient.Failure("there is no file " + file);
        }
        long size = Files.size(file);
        String type = isZip(file) ? "application/zip" : "application/json";
        var progress = new Progress("import", size, System.err, Progress.onTerminal());
        var sent = new long[1];
        var body = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return new FilterInputStream(Files.newInputStream(file)) {
                    @Override
                    public int read(byte[] bytes, int offset, int length) throws IOException {
                        int n = super.read(bytes, offset, length);
                        if (n > 0) {
                            sent[0] += n;
                            progress.bytes(sent[0]);
                        }
                        return n;
                    }
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), size);
        var response = client.http.send(HttpRequest.newBuilder(client.uri("/api/v1/import?bucketId=" + bucket))
                .header("Authorization", "Bearer " + client.token(environment)).header("Content-Type", type)
                .POST(body).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            progress.finish(sent[0], null);
            throw new StudioClient.Failure("the studio refused the import, and imported nothing: "
                    + StudioClient.problem(response.statusCode(), response.body()));
        }
        var result = StudioClient.JSON.readTree(response.body());
        progress.finish(sent[0], "imported into bucket " + bucket + ": created " + counts(result.get("created"))
                + "; already there " + counts(result.get("existing"))
                + (result.path("attachmentsWithoutFile").asLong() > 0
                        ? "; " + result.path("attachmentsWithoutFile").asLong() + " attachments without their files (a JSON export)" : ""));
        return 0;
    }

    private static String counts(tools.jackson.databind.JsonNode counts) {
        return counts.path("buckets").asLong() + " buckets, " + counts.path("blobs").asLong() + " blobs, "
                + counts.path("attachments").asLong() + " attachments, " + counts.path("schemaVersions").asLong() + " schema versions";
    }

    /** Zips begin with "PK\3\4"; anything else is sent as the JSON document. */
    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        }
    }
}
