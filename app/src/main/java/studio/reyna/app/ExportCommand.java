package studio.reyna.app;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code reyna export}: downloads an export from a running studio into a file. The file appears
 * only once the whole export arrived (it is written beside it first), so a cut-short download
 * never passes for an export.
 */
@Command(name = "export", mixinStandardHelpOptions = true, description = "Export a bucket's subtree, or everything you own, from a running studio to a file.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    StudioClient client;

    @Option(names = "--bucket", description = "the bucket whose subtree to export (default: every bucket you own)")
    UUID bucket;

    @Option(names = "--attachments", description = "a zip with the attachments' files, not only the JSON document")
    boolean attachments;

    @Option(names = "--out", required = true, description = "the file to write")
    Path out;

    @Spec
    CommandSpec spec;

    /** The environment credentials are read from; the process's own outside tests. */
    Map<String, String> environment = System.getenv();

    @Override
    public Integer call() throws IOException, InterruptedException {
        String query = "?attachments=" + attachments + (bucket == null ? "" : "&bucketId=" + bucket);
        var response = client.http.send(HttpRequest.newBuilder(client.uri("/api/v1/export" + query))
                .header("Authorization", "Bearer " + client.token(environment)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            try (InputStream in = response.body()) {
                throw new StudioClient.Failure("the studio refused the export: "
                        + StudioClient.problem(response.statusCode(), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
        var progress = new Progress("export", -1, System.err, Progress.onTerminal());
        String counts = response.headers().firstValue("Reyna-Export-Counts").orElse("");
        progress.items(counts);
        // Items are counted as they pass in a JSON export; a zip's document is compressed, so only its totals show.
        var items = attachments ? null : new ExportItems();
        Path partial = out.resolveSibling(out.getFileName() + ".part");
        long received = 0;
        try (InputStream in = response.body(); var file = Files.newOutputStream(partial)) {
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                file.write(buffer, 0, n);
                received += n;
                if (items != null) {
                    items.feed(buffer, n);
                    progress.items(items.items() + " items of " + counts);
                }
                progress.bytes(received);
            }
        } catch (IOException e) {
            Files.deleteIfExists(partial);
            throw new StudioClient.Failure("the export was cut short after " + Progress.size(received) + " (" + e.getMessage()
                    + "); nothing was written to " + out);
        }
        Files.move(partial, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        progress.finish(received, "exported " + counts + " to " + out);
        return 0;
    }
}
