package studio.reyna.gateway.attachment;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Base64;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import studio.reyna.core.page.Page;
import studio.reyna.core.problem.PayloadTooLargeException;
import studio.reyna.core.problem.ProblemException;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.RequestIds;
import studio.reyna.gateway.http.Responses;
import studio.reyna.state.attachment.Attachment;
import studio.reyna.state.attachment.Attachments;
import studio.reyna.state.attachment.Upload;

/**
 * {@code /blobs/{blobId}/attachments}: files attached to a blob, streamed in and out. The body of
 * an upload is read from the raw request stream as it arrives, never buffered whole (Javalin's
 * own body limit applies only to bodies read through it, which these are not).
 */
public final class AttachmentRoutes {
    private static final Logger log = LoggerFactory.getLogger(AttachmentRoutes.class);
    /** Room for a multipart body's boundaries and part headers beyond the file itself. */
    static final long MULTIPART_OVERHEAD = 64 * 1024;

    private final Attachments attachments;

    public AttachmentRoutes(Attachments attachments) {
        this.attachments = attachments;
    }

    public void routes(RoutesConfig routes) {
        routes.post("/api/v1/blobs/{blobId}/attachments", this::upload);
        routes.get("/api/v1/blobs/{blobId}/attachments", this::list);
        routes.get("/api/v1/blobs/{blobId}/attachments/{attachmentId}", this::download);
        routes.delete("/api/v1/blobs/{blobId}/attachments/{attachmentId}", this::delete);
    }

    /**
     * A raw body (its {@code Content-Type} is the file's, its name from {@code ?filename=} or
     * {@code Content-Disposition}), or a {@code multipart/form-data} body with one file part.
     */
    private void upload(Context ctx) {
        var caller = Caller.id(ctx);
        var blobId = JsonBody.pathId(ctx, "blobId", "blob");
        String contentType = ctx.header("Content-Type");
        boolean multipart = MultipartUpload.isMultipart(contentType);
        long max = attachments.maxBytes();
        long declared = ctx.contentLength();
        if (declared > max + (multipart ? MULTIPART_OVERHEAD : 0)) {
            // Nothing of the body is read: the connection cannot carry another request after it.
            ctx.header("Connection", "close");
            throw new PayloadTooLargeException("the body has " + declared + " bytes; the largest file accepted has " + max);
        }
        Upload upload;
        if (multipart) {
            upload = new MultipartUpload(bodyOf(ctx), MultipartUpload.boundary(contentType));
        } else {
            String filename = ctx.queryParam("filename");
            String name = filename != null ? filename : ContentDisposition.filename(ctx.header("Content-Disposition"));
            upload = () -> new Upload.Content(name, contentType, bodyOf(ctx));
        }
        Attachment attachment;
        try {
            // A raw body is the file; a multipart one may carry other fields beside it.
            long atLeast = multipart || declared < 0 ? 0 : declared;
            attachment = attachments.add(caller, blobId, upload, atLeast);
        } catch (ProblemException e) {
            // A refused upload may have left most of its body unread (a 404 is answered before the
            // first byte is read): the connection cannot carry another request after it.
            ctx.header("Connection", "close");
            throw e;
        }
        Responses.created(ctx, "/api/v1/blobs/" + blobId + "/attachments/" + attachment.id(), AttachmentView.of(attachment));
    }

    private static java.io.InputStream bodyOf(Context ctx) {
        try {
            return ctx.req().getInputStream();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void list(Context ctx) {
        page(ctx, attachments.list(Caller.principal(ctx), JsonBody.pathId(ctx, "blobId", "blob"), Responses.pageRequest(ctx)));
    }

    /** A page of attachments as the API shows them. */
    public static void page(Context ctx, Page<Attachment> page) {
        Responses.page(ctx, new Page<>(page.items().stream().map(AttachmentView::of).toList(), page.nextCursor()));
    }

    private void download(Context ctx) {
        send(ctx, attachments.open(Caller.principal(ctx), JsonBody.pathId(ctx, "blobId", "blob"),
                JsonBody.pathId(ctx, "attachmentId", "attachment")));
    }

    private void delete(Context ctx) {
        attachments.delete(Caller.id(ctx), JsonBody.pathId(ctx, "blobId", "blob"),
                JsonBody.pathId(ctx, "attachmentId", "attachment"));
        ctx.status(204);
    }

    /**
     * Streams an attachment: {@code ETag} is its SHA-256, so a cached copy is revalidated with
     * {@code If-None-Match} (304) and a resumed download asks for the rest with {@code Range} (206),
     * guarded by {@code If-Range}. The file is always offered as a download, never shown as a page
     * of the studio's origin, and its type is never sniffed.
     */
    public static void send(Context ctx, Attachments.Download download) {
        var attachment = download.attachment();
        String etag = "\"" + attachment.sha256() + "\"";
        ctx.header("ETag", etag);
        ctx.header("Accept-Ranges", "bytes");
        // Access can be revoked at any time: a cache must ask again before it reuses a copy.
        ctx.header("Cache-Control", "private, no-cache");
        if (matchesAny(ctx.header("If-None-Match"), etag)) {
            ctx.status(304);
            return;
        }
        String ifRange = ctx.header("If-Range");
        var range = ifRange == null || ifRange.strip().equals(etag)
                ? ByteRange.parse(ctx.header("Range"), attachment.size()) : null;
        long first = range == null ? 0 : range.first();
        long length = range == null ? attachment.size() : range.length();
        var response = ctx.res();
        response.setStatus(range == null ? 200 : 206);
        response.setContentType(attachment.contentType());
        response.setHeader("Content-Disposition", ContentDisposition.attachment(attachment.filename()));
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Content-Security-Policy", "sandbox");
        if (range == null) {
            response.setHeader("Repr-Digest", "sha-256=:" + Base64.getEncoder()
                    .encodeToString(HexFormat.of().parseHex(attachment.sha256())) + ":");
        } else {
            response.setHeader("Content-Range", "bytes " + range.first() + "-" + range.last() + "/" + attachment.size());
        }
        response.setContentLengthLong(length);
        if (length == 0) {
            return;
        }
        try {
            var out = response.getOutputStream();
            download.write(first, first + length - 1, out);
            out.flush();
        } catch (RuntimeException e) {
            if (!response.isCommitted()) {
                // Nothing was sent yet (the store could not be reached): the answer is the problem, not the file.
                response.reset();
                ctx.header(RequestIds.HEADER, RequestIds.of(ctx));
                throw e;
            }
            abort(ctx, attachment, e);
        } catch (IOException e) {
            abort(ctx, attachment, e);
        }
    }

    /**
     * Ends a download whose head is sent: no problem document can follow, and a connection cut
     * short of Content-Length tells the client the file is incomplete (the client going away ends here too).
     */
    private static void abort(Context ctx, Attachment attachment, Exception e) {
        log.info("download of attachment {} ended early: {}", attachment.id(), e.toString());
        ServletContextRequest.getServletContextRequest(ctx.req()).getServletChannel().abort(e);
    }

    /** Whether an {@code If-None-Match} list names {@code etag} (weak comparison, RFC 9110 §13.1.2) or is {@code *}. */
    private static boolean matchesAny(String header, String etag) {
        if (header == null) {
            return false;
        }
        for (String candidate : header.split(",")) {
            String tag = candidate.strip();
            if (tag.equals("*") || (tag.startsWith("W/") ? tag.substring(2) : tag).equals(etag)) {
                return true;
            }
        }
        return false;
    }
}
