package studio.reyna.app;

import java.io.PrintWriter;

/**
 * Progress of a long command on its error stream: on a terminal one line redrawn in place, else (a
 * log, a pipe) a line at each tenth of the way, so logs stay short.
 */
final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final String unit;
    private final long total;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long shownTenth = -1;

    ProgressBar(PrintWriter out, String unit, long total, boolean terminal) {
        this.out = out;
        this.unit = unit;
        this.total = total;
        this.terminal = terminal;
    }

    void update(long done) {
        long tenth = total == 0 ? 10 : Math.min(10, done * 10 / total);
        if (!terminal && tenth == shownTenth) {
            return;
        }
        shownTenth = tenth;
        out.print(line(done) + (terminal ? "\r" : System.lineSeparator()));
        out.flush();
    }

    void finish() {
        if (terminal && shownTenth >= 0) {
            out.println();
            out.flush();
        }
    }

    String line(long done) {
        int filled = total == 0 ? WIDTH : (int) Math.min(WIDTH, done * WIDTH / total);
        double seconds = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
        return String.format("[%s%s] %3d%% %,d/%,d %s (%,.0f/s)", "#".repeat(filled), " ".repeat(WIDTH - filled),
                total == 0 ? 100 : done * 100 / total, done, total, unit, done / seconds);
    }
}
