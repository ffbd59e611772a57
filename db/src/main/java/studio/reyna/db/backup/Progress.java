package studio.reyna.db.backup;

/** Where a backup or restore says what it is doing, one line at a time (the command prints them on stderr). */
@FunctionalInterface
public interface Progress {
    void say(String line);
}
