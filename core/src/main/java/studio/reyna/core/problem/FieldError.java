package studio.reyna.core.problem;

/** One violation: {@code pointer} is a JSON Pointer (RFC 6901) into the request body. */
public record FieldError(String pointer, String message) {
}
