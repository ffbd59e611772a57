package studio.reyna.gateway.http;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.time.Instant;
import java.util.UUID;
import studio.reyna.core.json.StorableJson;
import studio.reyna.core.problem.BadRequestException;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.PayloadTooLargeException;
import studio.reyna.core.problem.UnsupportedMediaTypeException;
import studio.reyna.core.problem.ValidationException;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A request's JSON body, read with a size limit (refused as soon as it is exceeded, before the
 * rest arrives), with typed accessors that name the field at fault in a 422.
 */
public final class JsonBody {

    private final JsonNode root;

    private JsonBody(JsonNode root) {
        this.root = root;
    }

    /** Reads the body of {@code ctx} as a JSON object. */
    public static JsonBody read(Context ctx, ObjectMapper json, long maxBytes) {
        String contentType = ctx.contentType();
        if (contentType == null || !isJson(contentType)) {
            throw new UnsupportedMediaTypeException("send the body as application/json");
        }
        long declared = ctx.contentLength();
        if (declared > maxBytes) {
            // A client that waits for "100 Continue" has sent nothing yet: it gets the 413 instead.
            boolean waiting = "100-continue".equalsIgnoreCase(ctx.header("Expect"));
            if (waiting || declared > maxBytes + discardable(maxBytes) || !discardRest(ctx.bodyInputStream(), maxBytes, 0)) {
                closeAfterAnswer(ctx);
            }
            throw tooLarge(maxBytes);
        }
        byte[] bytes = readAtMost(ctx, maxBytes);
        if (bytes.length == 0) {
            throw new BadRequestException("the request needs a JSON body");
        }
        JsonNode root;
        try {
            root = json.readTree(bytes);
        } catch (StreamConstraintsException e) {
            throw new BadRequestException("the JSON body is nested too deeply or has a value that is too long");
        } catch (JacksonException e) {
            throw new BadRequestException("the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (!root.isObject()) {
            throw ValidationException.of("", "the body must be a JSON object");
        }
        StorableJson.check(root, "");
        return new JsonBody(root);
    }

    private static boolean isJson(String contentType) {
        String mediaType = contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        return mediaType.equals("application/json") || (mediaType.startsWith("application/") && mediaType.endsWith("+json"));
    }

    private static byte[] readAtMost(Context ctx, long maxBytes) {
        try (var in = ctx.bodyInputStream()) {
            byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
            if (bytes.length > maxBytes) {
                if (!discardRest(in, maxBytes, bytes.length)) {
                    closeAfterAnswer(ctx);
                }
                throw tooLarge(maxBytes);
            }
            return bytes;
        } catch (IOException e) {
            throw new BadRequestException("the request body could not be read completely");
        }
    }

    /**
     * Reads and drops the rest of a refused body, as long as the whole body stays within
     * {@link #discardable} beyond the limit. A server that closes a connection with unread bytes
     * resets it, and a client still sending its body may then lose the 413 it was answered; read
     * to the end, the connection stays usable and the answer arrives.
     *
     * @param alreadyRead bytes of the body read before
     * @return whether the body was read to its end
     */
    private static boolean discardRest(InputStream in, long maxBytes, long alreadyRead) {
        long allowance = maxBytes + discardable(maxBytes) - alreadyRead;
        try {
            byte[] sink = new byte[8192];
            for (int n; (n = in.read(sink)) >= 0; ) {
                allowance -= n;
                if (allowance < 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false; // the client went away; nothing will be answered anyway
        }
    }

    /** How much beyond the limit a refused body may run and still be read to its end: as much again, at least 1 MiB. */
    private static long discardable(long maxBytes) {
        return Math.max(1 << 20, maxBytes);
    }

    /**
     * Says that this connection ends with the answer. Jetty would close it anyway, with the body
     * unread; said in the answer's head, the client knows not to send another request down it.
     */
    private static void closeAfterAnswer(Context ctx) {
        ctx.header("Connection", "close");
    }

    private static PayloadTooLargeException tooLarge(long maxBytes) {
        return new PayloadTooLargeException("the body is larger than the limit of " + maxBytes + " bytes");
    }

    /**
     * A JSON object inside a body already read (one item of an array), with the same accessors; their
     * pointers are relative to that object.
     */
    public static JsonBody of(JsonNode object) {
        if (!object.isObject()) {
            throw ValidationException.of("", "must be a JSON object");
        }
        return new JsonBody(object);
    }

    /** The member {@code name} as is; missing node when absent. */
    public JsonNode node(String name) {
        return root.path(name);
    }

    public boolean has(String name) {
        return root.has(name);
    }

    /** A string member; null when absent or null. */
    public String text(String name) {
        JsonNode value = root.path(name);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isString()) {
            throw ValidationException.of("/" + name, name + " must be a string");
        }
        return value.asString();
    }

    /** A UUID member; null when absent or null. */
    public UUID uuid(String name) {
        String text = text(name);
        if (text == null) {
            return null;
        }
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw ValidationException.of("/" + name, name + " must be a UUID");
        }
    }

    /** A date-time member (ISO 8601 with an offset, e.g. 2027-01-31T12:00:00Z); null when absent or null. */
    public Instant instant(String name) {
        String text = text(name);
        if (text == null) {
            return null;
        }
        java.time.OffsetDateTime parsed;
        try {
            parsed = java.time.OffsetDateTime.parse(text);
        } catch (java.time.format.DateTimeParseException e) {
            throw ValidationException.of("/" + name, name + " must be a date-time such as 2027-01-31T12:00:00Z");
        }
        // RFC 3339 has four-digit years, and PostgreSQL stores none past 294276.
        if (parsed.getYear() < 1 || parsed.getYear() > 9999) {
            throw ValidationException.of("/" + name, name + " must be a date-time between the years 1 and 9999");
        }
        return parsed.toInstant();
    }

    /** A whole-number member; null when absent or null. */
    public Integer integer(String name) {
        JsonNode value = root.path(name);
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            throw ValidationException.of("/" + name, name + " must be a whole number");
        }
        return value.intValue();
    }

    /** Parses a path parameter that is a UUID; anything else names nothing that exists (404). */
    /** An optional UUID query parameter; 422 naming it when it is not a UUID. */
    public static UUID queryId(Context ctx, String name) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return UUID.fromString(text.strip());
        } catch (IllegalArgumentException e) {
            throw ValidationException.of("/" + name, name + " must be a UUID");
        }
    }

    public static UUID pathId(Context ctx, String name, String what) {
        try {
            return UUID.fromString(ctx.pathParam(name));
        } catch (IllegalArgumentException e) {
            throw new NotFoundException("there is no " + what + " '" + ctx.pathParam(name) + "'");
        }
    }
}
