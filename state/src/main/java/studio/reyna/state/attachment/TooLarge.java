package studio.reyna.state.attachment;

import studio.reyna.core.problem.PayloadTooLargeException;

/** The one wording of "the file is over the limit", for whichever store noticed it. */
final class TooLarge {
    private TooLarge() {
    }

    static PayloadTooLargeException over(long maxBytes) {
        return new PayloadTooLargeException("the file is larger than the limit of " + maxBytes + " bytes");
    }
}
