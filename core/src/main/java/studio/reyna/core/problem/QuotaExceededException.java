package studio.reyna.core.problem;

import java.util.LinkedHashMap;
import java.util.Map;

/** 403: the write would take the owner past one of their quotas; the problem names it, its use and its maximum. */
public final class QuotaExceededException extends ProblemException {
    private final String limit;
    private final long used;
    private final long max;

    /**
     * @param limit what is limited: {@code blobs}, {@code buckets} or {@code bytes}
     * @param used  the owner's use before this write
     * @param max   the owner's maximum
     */
    public QuotaExceededException(String limit, long used, long max, String detail) {
        super(403, "quota-exceeded", "Quota exceeded", detail);
        this.limit = limit;
        this.used = used;
        this.max = max;
    }

    /** What is limited: {@code blobs}, {@code buckets} or {@code bytes}. */
    public String limit() {
        return limit;
    }

    @Override
    public Map<String, Object> members() {
        var members = new LinkedHashMap<String, Object>();
        members.put("limit", limit);
        members.put("used", used);
        members.put("max", max);
        return members;
    }
}
