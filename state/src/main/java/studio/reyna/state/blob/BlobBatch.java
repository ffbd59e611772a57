package studio.reyna.state.blob;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.problem.BatchFailedException;
import studio.reyna.core.problem.ProblemException;
import tools.jackson.databind.JsonNode;

/**
 * Up to {@link #MAX_OPERATIONS} blob operations in one transaction: all are applied or none is.
 * Each runs exactly as its single request would (access, validation, quotas, its event), on the
 * batch's connection: the services' own transactions join the batch's (Jdbi hands a nested call on
 * the same thread the handle already open), so the first failure rolls every earlier one back.
 */
public final class BlobBatch {
    /** Enough for a screen's worth of changes; a bigger job is an import or several batches. */
    public static final int MAX_OPERATIONS = 100;

    private final Jdbi jdbi;
    private final Blobs blobs;

    public BlobBatch(Jdbi jdbi, Blobs blobs) {
        this.jdbi = jdbi;
        this.blobs = blobs;
    }

    /** One operation; {@code ifMatch} is the version the blob must still be at (null: any, where allowed). */
    public sealed interface Operation {
        /** The name clients use for it. */
        String op();
    }

    public record Create(UUID bucketId, NewBlob blob) implements Operation {
        public String op() {
            return "create";
        }
    }

    public record Update(UUID blobId, long ifMatch, JsonNode data, Integer schemaVersion) implements Operation {
        public String op() {
            return "update";
        }
    }

    public record Move(UUID blobId, Long ifMatch, UUID bucketId) implements Operation {
        public String op() {
            return "move";
        }
    }

    public record Delete(UUID blobId, Long ifMatch) implements Operation {
        public String op() {
            return "delete";
        }
    }

    public record Copy(UUID blobId, UUID bucketId) implements Operation {
        public String op() {
            return "copy";
        }
    }

    /**
     * Applies every operation in order, in one transaction; answers, per operation, the blob as it
     * now is (null for a delete).
     *
     * @throws BatchFailedException naming the operation that failed; nothing was applied
     */
    public List<Blob> apply(UUID callerId, List<Operation> operations) {
        if (operations.isEmpty() || operations.size() > MAX_OPERATIONS) {
            throw new IllegalArgumentException("a batch holds 1 to " + MAX_OPERATIONS + " operations");
        }
        var ops = operations.stream().map(Operation::op).toList();
        return jdbi.inTransaction(h -> {
            var results = new ArrayList<Blob>();
            for (int i = 0; i < operations.size(); i++) {
                try {
                    results.add(applyOne(callerId, operations.get(i)));
                } catch (ProblemException e) {
                    // Thrown out of the transaction, which rolls back everything before it.
                    throw new BatchFailedException(i, ops, e);
                }
            }
            return results;
        });
    }

    private Blob applyOne(UUID callerId, Operation operation) {
        return switch (operation) {
            case Create create -> blobs.create(callerId, create.bucketId(), create.blob());
            case Update update -> blobs.replace(callerId, update.blobId(), update.ifMatch(), update.data(), update.schemaVersion());
            case Move move -> blobs.move(callerId, move.blobId(), move.ifMatch(), move.bucketId());
            case Delete delete -> {
                blobs.delete(callerId, delete.blobId(), delete.ifMatch());
                yield null;
            }
            case Copy copy -> blobs.copy(callerId, copy.blobId(), copy.bucketId());
        };
    }
}
