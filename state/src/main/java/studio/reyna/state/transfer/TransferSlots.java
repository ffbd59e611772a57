package studio.reyna.state.transfer;

import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import studio.reyna.core.problem.UnavailableException;

/**
 * How many exports and imports this node runs at once. Each holds a pooled database connection for
 * as long as its client reads or sends, which a slow client may make long: past this many, the
 * next is answered 503 with {@code Retry-After} rather than leaving other requests without a
 * connection.
 */
public final class TransferSlots {
    private final int slots;
    private final Semaphore free;

    public TransferSlots(int slots) {
        this.slots = slots;
        this.free = new Semaphore(slots);
    }

    <T> T run(Supplier<T> transfer) {
        if (!free.tryAcquire()) {
            throw new UnavailableException("this node is running " + slots + " exports and imports already; "
                    + "try again in a moment", 10);
        }
        try {
            return transfer.get();
        } finally {
            free.release();
        }
    }
}
