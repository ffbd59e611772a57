package studio.reyna.state.search;

import studio.reyna.core.problem.ValidationException;

/**
 * What a person typed into the search box, made safe for PostgreSQL: {@code words} in PostgreSQL's
 * web-search syntax (quoted phrases, {@code -word}, {@code or}), where a last plain word is
 * replaced by {@link #PLACEHOLDER}, and that word ({@code prefix}, null when the input does not end
 * with a plain word), which takes the placeholder's place as the beginning of a word. Neither is
 * ever parsed as tsquery syntax, so no input is a syntax error: {@code &|!():*\} only separate words.
 */
record SearchQuery(String words, String prefix) {
    /** Longer than anyone types into a search box; documented in docs/search.md. */
    static final int MAX_LENGTH = 200;
    /**
     * Stands for the last word until its prefix query replaces it ({@code ts_rewrite}), so the
     * prefix keeps the word's place among {@code or} and the other words.
     */
    static final String PLACEHOLDER = "reynalastwordplaceholder";

    static SearchQuery parse(String q) {
        if (q == null || q.isBlank()) {
            throw ValidationException.of("/q", "q is required: the words to look for");
        }
        if (q.codePointCount(0, q.length()) > MAX_LENGTH) {
            throw ValidationException.of("/q", "q is at most " + MAX_LENGTH + " characters");
        }
        String text = printable(q).strip();
        int cut = text.lastIndexOf(' ') + 1;
        String last = text.substring(cut);
        String before = text.substring(0, cut);
        if (isPlainWord(last) && quotesAreClosed(before)) {
            return new SearchQuery(before + PLACEHOLDER, last);
        }
        return new SearchQuery(text, null);
    }

    /**
     * Control characters (PostgreSQL refuses NUL in text) and halves of surrogate pairs become
     * spaces; everything else is kept for PostgreSQL's parser to split into words.
     */
    private static String printable(String q) {
        var out = new StringBuilder(q.length());
        for (int i = 0; i < q.length(); i++) {
            char c = q.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < q.length() && Character.isLowSurrogate(q.charAt(i + 1))) {
                out.append(c).append(q.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c) || Character.isWhitespace(c)) {
                out.append(' ');
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** A word as typed last: not a phrase, not excluded ({@code -word}), not the operator {@code or}. */
    private static boolean isPlainWord(String word) {
        return !word.isEmpty() && !word.startsWith("-") && word.indexOf('"') < 0 && !word.equalsIgnoreCase("or");
    }

    /** An unclosed quote before the last word makes it part of a phrase. */
    private static boolean quotesAreClosed(String text) {
        return text.chars().filter(c -> c == '"').count() % 2 == 0;
    }
}
