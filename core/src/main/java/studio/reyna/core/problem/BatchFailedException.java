package studio.reyna.core.problem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One operation of a batch failed, so none was applied. The problem is that operation's own (its
 * status, type and field errors, the pointers prefixed with the operation's place in the batch),
 * plus {@code failedIndex} and a result per operation: the failed one with its status, every other
 * one 424 (not applied because another failed).
 */
public final class BatchFailedException extends ProblemException {
    private final int failedIndex;
    private final List<String> ops;
    private final ProblemException cause;

    public BatchFailedException(int failedIndex, List<String> ops, ProblemException cause) {
        super(cause.status(), cause.type(), "The batch was not applied", "operation " + failedIndex + " ("
                + ops.get(failedIndex) + ") failed, so no operation of the batch was applied: " + cause.detail());
        this.failedIndex = failedIndex;
        this.ops = List.copyOf(ops);
        this.cause = cause;
    }

    public int failedIndex() {
        return failedIndex;
    }

    @Override
    public List<FieldError> errors() {
        String prefix = "/operations/" + failedIndex;
        return cause.errors().stream().map(e -> new FieldError(prefix + e.pointer(), e.message())).toList();
    }

    @Override
    public Map<String, Object> members() {
        var members = new LinkedHashMap<String, Object>(cause.members());
        members.put("failedIndex", failedIndex);
        var results = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < ops.size(); i++) {
            var result = new LinkedHashMap<String, Object>();
            result.put("index", i);
            result.put("op", ops.get(i));
            if (i == failedIndex) {
                result.put("status", cause.status());
                result.put("title", cause.title());
                result.put("detail", cause.detail());
            } else {
                result.put("status", 424);
                result.put("title", "Not applied: operation " + failedIndex + " failed");
            }
            results.add(result);
        }
        members.put("results", results);
        return members;
    }
}
