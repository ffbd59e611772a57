package studio.reyna.core.problem;

public final class UnsupportedMediaTypeException extends ProblemException {
    public UnsupportedMediaTypeException(String detail) {
        super(415, "unsupported-media-type", "Unsupported media type", detail);
    }
}
