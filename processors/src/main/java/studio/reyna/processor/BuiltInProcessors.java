package studio.reyna.processor;

import java.util.List;

/** The processors that ship with the studio, listed explicitly rather than discovered. */
public final class BuiltInProcessors {
    private BuiltInProcessors() {
    }

    /** {@code markdown}, {@code stats}, {@code tags}, {@code thumbnail}, in this order; fresh instances. */
    public static List<Processor> all() {
        return List.of(new MarkdownProcessor(), new StatsProcessor(), new TagsProcessor(), new ThumbnailProcessor());
    }
}
