package studio.reyna.core.problem;

/** A {@code Range} that lies wholly beyond the end of what was asked for. */
public final class RangeNotSatisfiableException extends ProblemException {
    private final long size;

    public RangeNotSatisfiableException(String detail, long size) {
        super(416, "range-not-satisfiable", "Range not satisfiable", detail);
        this.size = size;
    }

    /** The size of the whole representation, which the answer names in {@code Content-Range: bytes *}{@code /size}. */
    public long size() {
        return size;
    }
}
