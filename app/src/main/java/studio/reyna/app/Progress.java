package studio.reyna.app;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress line for long transfers on stderr (stdout stays for results): on a terminal one line
 * redrawn in place a few times a second; otherwise, for logs, a line every few seconds.
 */
final class Progress {
    private static final long TERMINAL_EVERY_NANOS = 200_000_000L;
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    private final String what;
    private final long totalBytes;
    private final PrintStream err;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private String items = "";
    private long shownAt;

    /** @param totalBytes -1 when unknown */
    Progress(String what, long totalBytes, PrintStream err, boolean terminal) {
        this.what = what;
        this.totalBytes = totalBytes;
        this.err = err;
        this.terminal = terminal;
    }

    /** Whether stderr is most likely a terminal (Java tells of the console, which is the same in practice). */
    static boolean onTerminal() {
        var console = System.console();
        if (console == null) {
            return false;
        }
        try {
            // Java 22 answers a console even when redirected, and tells with isTerminal().
            return (boolean) java.io.Console.class.getMethod("isTerminal").invoke(console);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    /** What the transfer holds, e.g. "4 buckets, 100000 blobs", shown beside the bytes. */
    void items(String description) {
        this.items = description;
    }

    synchronized void bytes(long done) {
        long now = System.nanoTime();
        if (now - shownAt < (terminal ? TERMINAL_EVERY_NANOS : LOG_EVERY_NANOS)) {
            return;
        }
        shownAt = now;
        show(line(done));
    }

    synchronized void finish(long done, String result) {
        show(line(done));
        if (terminal) {
            err.println();
        }
        if (result != null) {
            err.println(result);
        }
        err.flush();
    }

    private void show(String line) {
        if (terminal) {
            err.print("\r" + line + "\u001b[K");
        } else {
            err.println(line);
        }
        err.flush();
    }

    private String line(long done) {
        double seconds = Math.max(0.001, (System.nanoTime() - started) / 1e9);
        String amount = totalBytes > 0
                ? String.format(Locale.ROOT, "%s of %s (%d%%)", size(done), size(totalBytes), done * 100 / totalBytes)
                : size(done);
        return String.format(Locale.ROOT, "%s: %s, %s/s%s", what, amount, size((long) (done / seconds)),
                items.isEmpty() ? "" : "; " + items);
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
