package studio.reyna.core.problem;

import java.util.List;
import java.util.Map;

/**
 * An expected failure that a client caused or can act on. The edge turns it into an RFC 9457
 * problem document; {@code type} is the last segment of the problem type URI.
 */
public abstract sealed class ProblemException extends RuntimeException
        permits BadRequestException, UnauthorizedException, ForbiddenException, NotFoundException,
        ConflictException, PreconditionFailedException, PreconditionRequiredException,
        PayloadTooLargeException, UnsupportedMediaTypeException, ValidationException, QuotaExceededException,
        TooManyRequestsException, RangeNotSatisfiableException, UnavailableException, BatchFailedException {

    private final int status;
    private final String type;
    private final String title;

    protected ProblemException(int status, String type, String title, String detail) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String title() {
        return title;
    }

    public String detail() {
        return getMessage();
    }

    /** Field-level errors; empty for problems that are not about one field. */
    public List<FieldError> errors() {
        return List.of();
    }

    /** Extension members of the problem document beyond the standard ones (RFC 9457 §3.2), in order. */
    public Map<String, Object> members() {
        return Map.of();
    }
}
