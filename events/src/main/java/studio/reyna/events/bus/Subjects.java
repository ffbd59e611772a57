package studio.reyna.events.bus;

/** NATS subject matching: tokens separated by '.', '*' matches one token, '>' one or more at the end. */
public final class Subjects {
    private Subjects() {
    }

    public static boolean matches(String pattern, String subject) {
        String[] p = pattern.split("\\.", -1);
        String[] s = subject.split("\\.", -1);
        for (int i = 0; i < p.length; i++) {
            if (p[i].equals(">")) {
                return i == p.length - 1 && s.length > i;
            }
            if (i >= s.length || (!p[i].equals("*") && !p[i].equals(s[i]))) {
                return false;
            }
        }
        return p.length == s.length;
    }

    /** True when {@code subject} matches one of {@code patterns}. */
    public static boolean matchesAny(java.util.Collection<String> patterns, String subject) {
        for (String pattern : patterns) {
            if (matches(pattern, subject)) {
                return true;
            }
        }
        return false;
    }
}
