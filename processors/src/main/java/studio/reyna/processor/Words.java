package studio.reyna.processor;

import java.util.function.Consumer;

/**
 * Splits text into words, the same way for counting ({@code stats}) and for keywords ({@code tags}).
 *
 * <p>The rule: a word is a run of letters, digits and combining marks, in any script, so
 * "Straße", "Größe", "café", "naïve" and Korean words (spaced like European ones) are one word
 * each. An apostrophe ({@code '} or {@code ’}) or hyphen between two such characters joins them
 * ("don't", "aujourd'hui", "l'homme", "E-Mail-Adresse" are one word), as does a {@code .} or
 * {@code ,} between two digits ("3.14", "1,000"). Chinese and Japanese are written without
 * spaces, so each Han ideograph, hiragana or katakana character counts as one word, as word
 * processors count them. Everything else (spaces, punctuation, symbols, emoji) separates words.
 * Scripts without spaces that are not CJK (Thai, Lao, Khmer, Myanmar) count one word per run.
 */
final class Words {
    private Words() {
    }

    static int count(String text) {
        int[] words = {0};
        split(text, word -> words[0]++);
        return words[0];
    }

    /** Calls {@code sink} with each word of {@code text}, in order. */
    static void split(String text, Consumer<String> sink) {
        int runStart = -1;
        int lastLetterOrDigit = -1;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isCharacterWord(cp)) {
                if (runStart >= 0) {
                    sink.accept(text.substring(runStart, i));
                    runStart = -1;
                }
                sink.accept(text.substring(i, next));
            } else if (isLetterOrDigit(cp)) {
                if (runStart < 0) {
                    runStart = i;
                }
                lastLetterOrDigit = cp;
            } else if (runStart >= 0 && !isMark(cp) && !joins(lastLetterOrDigit, cp, text, next)) {
                sink.accept(text.substring(runStart, i));
                runStart = -1;
            }
            i = next;
        }
        if (runStart >= 0) {
            sink.accept(text.substring(runStart));
        }
    }

    private static boolean joins(int before, int joiner, String text, int afterIndex) {
        if (afterIndex >= text.length()) {
            return false;
        }
        int after = text.codePointAt(afterIndex);
        return switch (joiner) {
            case '\'', '\u2019', '-', '\u2010', '\u2011' -> isLetterOrDigit(before) && isLetterOrDigit(after) && !isCharacterWord(after);
            case '.', ',' -> Character.isDigit(before) && Character.isDigit(after);
            default -> false;
        };
    }

    private static boolean isLetterOrDigit(int cp) {
        return Character.isLetterOrDigit(cp) && !isCharacterWord(cp);
    }

    private static boolean isMark(int cp) {
        int type = Character.getType(cp);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK || type == Character.ENCLOSING_MARK;
    }

    private static boolean isCharacterWord(int cp) {
        if (!Character.isLetter(cp)) {
            return false;
        }
        var script = Character.UnicodeScript.of(cp);
        return script == Character.UnicodeScript.HAN || script == Character.UnicodeScript.HIRAGANA || script == Character.UnicodeScript.KATAKANA;
    }
}
