package studio.reyna.gateway.batch;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.gateway.blob.BlobRoutes;
import studio.reyna.gateway.http.Caller;
import studio.reyna.gateway.http.JsonBody;
import studio.reyna.gateway.http.RequestBodies;
import studio.reyna.gateway.http.Responses;
import studio.reyna.gateway.limit.RequestLimits;
import studio.reyna.state.blob.BlobBatch;
import studio.reyna.state.blob.NewBlob;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /batch}: up to 100 blob operations (create, update, move, delete, copy) applied in
 * one transaction, all or none, with a result per operation. The whole batch is checked for form
 * first, so a malformed operation is refused before any runs.
 */
public final class BatchRoutes {
    private final BlobBatch batch;
    private final RequestBodies bodies;
    private final RequestLimits limits;

    public BatchRoutes(BlobBatch batch, RequestBodies bodies, RequestLimits limits) {
        this.batch = batch;
        this.bodies = bodies;
        this.limits = limits;
    }

    public void routes(RoutesConfig routes) {
        routes.post("/api/v1/batch", this::apply);
    }

    private void apply(Context ctx) {
        var caller = Caller.id(ctx);
        var operations = operations(bodies.read(ctx).node("operations"));
        limits.takeBlobCreations(ctx, (int) operations.stream()
                .filter(op -> op instanceof BlobBatch.Create || op instanceof BlobBatch.Copy).count());
        var blobs = batch.apply(caller, operations);
        var results = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < operations.size(); i++) {
            var result = new LinkedHashMap<String, Object>();
            result.put("index", i);
            result.put("op", operations.get(i).op());
            result.put("status", switch (operations.get(i)) {
                case BlobBatch.Create c -> 201;
                case BlobBatch.Copy c -> 201;
                case BlobBatch.Delete d -> 204;
                default -> 200;
            });
            if (blobs.get(i) != null) {
                result.put("blob", BlobRoutes.view(blobs.get(i)));
            }
            results.add(result);
        }
        ctx.json(Map.of("results", results));
    }

    static List<BlobBatch.Operation> operations(JsonNode array) {
        if (!array.isArray()) {
            throw ValidationException.of("/operations", "operations must be an array of operations");
        }
        if (array.isEmpty() || array.size() > BlobBatch.MAX_OPERATIONS) {
            throw ValidationException.of("/operations", "a batch holds 1 to " + BlobBatch.MAX_OPERATIONS
                    + " operations; this one holds " + array.size() + (array.size() > BlobBatch.MAX_OPERATIONS
                    ? ": split it into several batches (each is atomic on its own)" : ""));
        }
        var operations = new ArrayList<BlobBatch.Operation>();
        var problems = new ArrayList<FieldError>();
        for (int i = 0; i < array.size(); i++) {
            try {
                operations.add(operation(JsonBody.of(array.get(i))));
            } catch (ValidationException e) {
                String prefix = "/operations/" + i;
                e.errors().forEach(error -> problems.add(new FieldError(prefix + error.pointer(), error.message())));
            }
        }
        if (!problems.isEmpty()) {
            throw new ValidationException("the batch is malformed; no operation was applied", problems);
        }
        return operations;
    }

    private static BlobBatch.Operation operation(JsonBody item) {
        String op = item.text("op");
        if (op == null) {
            throw ValidationException.of("/op", "op is required: create, update, move, delete or copy");
        }
        return switch (op) {
            case "create" -> new BlobBatch.Create(required(item, "bucketId"),
                    new NewBlob(item.text("schemaId"), item.integer("schemaVersion"), item.node("data")));
            case "update" -> {
                var blobId = required(item, "blobId");
                Long version = ifMatch(item);
                if (version == null) {
                    throw ValidationException.of("/ifMatch", "an update needs ifMatch: the version (ETag) of the blob you edited");
                }
                yield new BlobBatch.Update(blobId, version, item.node("data"), item.integer("schemaVersion"));
            }
            case "move" -> new BlobBatch.Move(required(item, "blobId"), ifMatch(item), required(item, "bucketId"));
            case "delete" -> new BlobBatch.Delete(required(item, "blobId"), ifMatch(item));
            case "copy" -> new BlobBatch.Copy(required(item, "blobId"), required(item, "bucketId"));
            default -> throw ValidationException.of("/op", "op must be create, update, move, delete or copy, not '" + op + "'");
        };
    }

    private static java.util.UUID required(JsonBody item, String name) {
        var id = item.uuid(name);
        if (id == null) {
            throw ValidationException.of("/" + name, name + " is required");
        }
        return id;
    }

    /** {@code ifMatch}: a blob's version, as a number or as its ETag ({@code "\"3\""}); null when absent. */
    private static Long ifMatch(JsonBody item) {
        JsonNode value = item.node("ifMatch");
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber() && value.canConvertToLong() && value.longValue() >= 1) {
            return value.longValue();
        }
        Long version = value.isString() ? Responses.versionIn(value.asString()) : null;
        if (version != null) {
            return version;
        }
        throw ValidationException.of("/ifMatch", "ifMatch must be a blob version such as 3 (or its ETag \"3\")");
    }
}
