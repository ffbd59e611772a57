package studio.reyna.gateway.transfer;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.UUID;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.problem.PayloadTooLargeException;
import studio.reyna.core.problem.ProblemException;
import studio.reyna.core.problem.UnsupportedMediaTypeException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.RequestIds;
import studio.reyna.state.transfer.Exports;
import studio.reyna.state.transfer.Imports;
import studio.reyna.state.transfer.TransferCounts;

/**
 * {@code GET /export} and {@code POST /import} ({@code docs/export.md}). Both stream: the export
 * is written to the response as it is read from the database, the import read from the request
 * as it arrives, with a limit of its own ({@code REYNA_MAX_IMPORT_BYTES}) rather than the JSON
 * body limit, since an export holds a whole tree.
 */
public final class TransferRoutes {
    private static final Logger log = LoggerFactory.getLogger(TransferRoutes.class);
    static final String ZIP = "application/zip";
    static final String JSON = "application/json";
    /** How many items of each kind an export holds, so a client can show its progress. */
    static final String COUNTS_HEADER = "Reyna-Export-Counts";

    private final Exports exports;
    private final Imports imports;
    private final long maxImportBytes;

    public TransferRoutes(Exports exports, Imports imports, long maxImportBytes) {
        this.exports = exports;
        this.imports = imports;
        this.maxImportBytes = maxImportBytes;
    }

    public void routes(RoutesConfig routes) {
        routes.get("/api/v1/export", this::export);
        routes.post("/api/v1/import", this::restore);
    }

    /** {@code ?bucketId=} (its subtree) or everything the caller owns; {@code ?attachments=true} or {@code Accept: application/zip} for a zip. */
    private void export(Context ctx) {
        var caller = Caller.id(ctx);
        var bucketId = JsonBody.queryId(ctx, "bucketId");
        boolean zip = wantsZip(ctx);
        var response = ctx.res();
        try {
            exports.export(caller, bucketId, zip, counts -> {
                response.setStatus(200);
                response.setContentType(zip ? ZIP : JSON);
                response.setHeader("Content-Disposition", "attachment; filename=\"reyna-export-"
                        + (bucketId == null ? "" : bucketId + "-") + LocalDate.now(ZoneOffset.UTC) + (zip ? ".zip" : ".json") + "\"");
                response.setHeader("Cache-Control", "no-store");
                response.setHeader(COUNTS_HEADER, counts(counts));
                return response.getOutputStream();
            });
        } catch (RuntimeException e) {
            if (!response.isCommitted()) {
                // Nothing was sent yet: the answer is the problem, not a part of an export.
                response.reset();
                ctx.header(RequestIds.HEADER, RequestIds.of(ctx));
                throw e;
            }
            // The head is sent; a connection cut short of the last chunk tells the client the export is incomplete.
            log.info("an export ended early: {}", e.toString());
            ServletContextRequest.getServletContextRequest(ctx.req()).getServletChannel().abort(e);
        }
    }

    static String counts(TransferCounts counts) {
        return "schemaVersions=" + counts.schemaVersions() + ", buckets=" + counts.buckets() + ", blobs=" + counts.blobs()
                + ", attachments=" + counts.attachments();
    }

    private static boolean wantsZip(Context ctx) {
        String attachments = ctx.queryParam("attachments");
        if (attachments == null) {
            String accept = ctx.header("Accept");
            return accept != null && accept.toLowerCase(Locale.ROOT).contains(ZIP);
        }
        return switch (attachments.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ValidationException.of("/attachments", "attachments must be true or false");
        };
    }

    /** {@code ?bucketId=} the bucket the export's roots go into; the body is the JSON document or the zip. */
    private void restore(Context ctx) {
        var caller = Caller.id(ctx);
        UUID bucketId = JsonBody.queryId(ctx, "bucketId");
        if (bucketId == null) {
            throw ValidationException.of("/bucketId", "bucketId is required: the bucket the export's buckets go into");
        }
        String contentType = ctx.contentType() == null ? "" : ctx.contentType().split(";")[0].strip().toLowerCase(Locale.ROOT);
        if (!contentType.equals(JSON) && !contentType.equals(ZIP)) {
            throw new UnsupportedMediaTypeException("send an export as application/json, or with its attachments as application/zip");
        }
        // The servlet's int-valued length is -1 beyond 2 GiB; imports may well be larger.
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxImportBytes) {
            // Nothing of the body is read: the connection cannot carry another request after it.
            ctx.header("Connection", "close");
            throw tooLarge(maxImportBytes);
        }
        try {
            var result = imports.restore(caller, bucketId, new Limited(bodyOf(ctx), maxImportBytes), contentType.equals(ZIP));
            ctx.json(result);
        } catch (ProblemException e) {
            // A refused import may have left most of its body unread.
            ctx.header("Connection", "close");
            throw e;
        }
    }

    private static InputStream bodyOf(Context ctx) {
        try {
            return ctx.req().getInputStream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PayloadTooLargeException tooLarge(long max) {
        return new PayloadTooLargeException("an import may have at most " + max + " bytes (REYNA_MAX_IMPORT_BYTES); nothing was imported");
    }

    /** The request body, refused (413) as soon as it runs past the limit. */
    private static final class Limited extends InputStream {
        private final InputStream in;
        private final long max;
        private long read;

        Limited(InputStream in, long max) {
            this.in = in;
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] bytes, int offset, int length) throws IOException {
            int n = in.read(bytes, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > max) {
                throw tooLarge(max);
            }
        }
    }
}
