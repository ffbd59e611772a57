package studio.reyna.core.problem;

import java.util.List;

/** 422: the request is well-formed but its content breaks a rule; one error per violation. */
public final class ValidationException extends ProblemException {
    private final List<FieldError> errors;

    public ValidationException(String detail, List<FieldError> errors) {
        super(422, "validation-failed", "Validation failed", detail);
        this.errors = List.copyOf(errors);
    }

    public static ValidationException of(String pointer, String message) {
        return new ValidationException(message, List.of(new FieldError(pointer, message)));
    }

    @Override
    public List<FieldError> errors() {
        return errors;
    }
}
