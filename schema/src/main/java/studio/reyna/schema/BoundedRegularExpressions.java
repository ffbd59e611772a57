package studio.reyna.schema;

import com.networknt.schema.regex.RegularExpression;
import com.networknt.schema.regex.RegularExpressionFactory;
import com.networknt.schema.regex.RegularExpressions;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * JSON Schema {@code pattern}s on the JDK's regex engine, with a time budget. The engine
 * backtracks, so a pattern like {@code ^(.*a){12}$} can take hours on a short string; any signed-in
 * user can publish one. Every match made while checking one document shares one deadline, and a
 * match past it stops with {@link TooSlow}.
 */
final class BoundedRegularExpressions implements RegularExpressionFactory {
    static final BoundedRegularExpressions INSTANCE = new BoundedRegularExpressions();
    /** Checking one document may spend at most this long matching patterns. */
    static final Duration BUDGET = Duration.ofSeconds(1);

    private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    private BoundedRegularExpressions() {
    }

    /** Runs {@code work} (one validation) with a fresh budget for all the matches it makes. */
    static <T> T withBudget(Supplier<T> work) {
        Long outer = DEADLINE.get();
        if (outer == null) {
            DEADLINE.set(System.nanoTime() + BUDGET.toNanos());
        }
        try {
            return work.get();
        } finally {
            if (outer == null) {
                DEADLINE.remove();
            }
        }
    }

    @Override
    public RegularExpression getRegularExpression(String regex) {
        // The same ECMA-262 adjustments networknt's own JDK engine makes ($ anchors, \p{…} long forms).
        Pattern pattern = Pattern.compile(
                RegularExpressions.replaceLongformCharacterProperties(RegularExpressions.replaceDollarAnchors(regex)));
        return value -> {
            Long deadline = DEADLINE.get();
            long until = deadline != null ? deadline : System.nanoTime() + BUDGET.toNanos();
            return pattern.matcher(new Timed(value, until)).find();
        };
    }

    /** A pattern match ran past its deadline. */
    static final class TooSlow extends RuntimeException {
        TooSlow() {
            super("a pattern of the schema takes too long to match this document", null, false, false);
        }
    }

    /** The text being matched; every few thousand character reads it checks the clock. */
    private static final class Timed implements CharSequence {
        private final CharSequence text;
        private final long deadline;
        private int reads;

        Timed(CharSequence text, long deadline) {
            this.text = text;
            this.deadline = deadline;
        }

        @Override
        public char charAt(int index) {
            if ((++reads & 0xFFF) == 0 && System.nanoTime() > deadline) {
                throw new TooSlow();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Timed(text.subSequence(start, end), deadline);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
