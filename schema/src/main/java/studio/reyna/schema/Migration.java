package studio.reyna.schema;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import studio.reyna.core.problem.FieldError;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A declarative migration from one schema version to the next: JSON Patch (RFC 6902) operations
 * {@code add}, {@code remove}, {@code move} and {@code copy}, plus {@code default} (add only when
 * absent) and {@code wrap} (a value becomes a one-item array). A {@code remove}, {@code move},
 * {@code copy} or {@code wrap} of a path the document lacks is skipped, so one migration serves
 * documents that used optional fields and documents that did not. Paths are JSON Pointers into the
 * blob's data. Applying never changes its input.
 */
public final class Migration {
    /** More operations than this is a program, not a migration. */
    static final int MAX_OPERATIONS = 200;
    private static final Set<String> OPS = Set.of("add", "remove", "move", "copy", "default", "wrap");

    private final List<Operation> operations;

    private Migration(List<Operation> operations) {
        this.operations = operations;
    }

    private record Operation(String op, JsonPointer path, JsonPointer from, JsonNode value, int index) {
    }

    /** A migration that could not be applied to one document: which operation, and why. */
    public static final class Failure extends Exception {
        private final String pointer;

        Failure(int index, String message) {
            super("operation " + index + ": " + message, null, false, false);
            this.pointer = "/" + index;
        }

        /** The operation at fault, as a pointer into the migration array. */
        public String pointer() {
            return pointer;
        }
    }

    /**
     * The migration, or a 422's worth of problems (each pointing into {@code /migration}) when
     * {@code operations} is not a well-formed one.
     */
    public static Migration parse(JsonNode operations, List<FieldError> problems) {
        if (operations == null || !operations.isArray()) {
            problems.add(new FieldError("/migration", "migration must be an array of operations"));
            return null;
        }
        if (operations.size() > MAX_OPERATIONS) {
            problems.add(new FieldError("/migration", "a migration may have at most " + MAX_OPERATIONS + " operations"));
            return null;
        }
        int before = problems.size();
        var parsed = new ArrayList<Operation>();
        for (int i = 0; i < operations.size(); i++) {
            var operation = operation(operations.get(i), i, problems);
            if (operation != null) {
                parsed.add(operation);
            }
        }
        return problems.size() == before ? new Migration(List.copyOf(parsed)) : null;
    }

    private static Operation operation(JsonNode node, int index, List<FieldError> problems) {
        String at = "/migration/" + index;
        if (!node.isObject()) {
            problems.add(new FieldError(at, "an operation is an object such as {\"op\":\"move\",\"from\":\"/a\",\"path\":\"/b\"}"));
            return null;
        }
        String op = node.path("op").isString() ? node.get("op").asString() : null;
        if (op == null || !OPS.contains(op)) {
            problems.add(new FieldError(at + "/op", "op must be one of add, remove, move, copy, default, wrap"));
            return null;
        }
        boolean needsFrom = op.equals("move") || op.equals("copy");
        boolean needsValue = op.equals("add") || op.equals("default");
        int before = problems.size();
        for (var name : node.propertyNames()) {
            boolean known = name.equals("op") || name.equals("path") || (needsFrom && name.equals("from"))
                    || (needsValue && name.equals("value"));
            if (!known) {
                problems.add(new FieldError(at + "/" + JsonPointerText.escape(name), "'" + op + "' takes no '" + name + "'"));
            }
        }
        var path = pointer(node, "path", at, problems);
        var from = needsFrom ? pointer(node, "from", at, problems) : null;
        if (needsValue && !node.has("value")) {
            problems.add(new FieldError(at + "/value", "'" + op + "' needs a value"));
        }
        if (path != null && from != null && op.equals("move") && isInside(path, from)) {
            problems.add(new FieldError(at + "/path", "a value cannot move into itself"));
        }
        return problems.size() == before ? new Operation(op, path, from, needsValue ? node.get("value") : null, index) : null;
    }

    private static JsonPointer pointer(JsonNode node, String member, String at, List<FieldError> problems) {
        var text = node.get(member);
        if (text == null || !text.isString()) {
            problems.add(new FieldError(at + "/" + member, member + " is required: a JSON Pointer such as \"/title\""));
            return null;
        }
        if (text.asString().isEmpty()) {
            problems.add(new FieldError(at + "/" + member, member + " must point inside the document, not at all of it"));
            return null;
        }
        try {
            return JsonPointer.compile(text.asString());
        } catch (IllegalArgumentException e) {
            problems.add(new FieldError(at + "/" + member, "'" + text.asString() + "' is not a JSON Pointer (it starts with '/')"));
            return null;
        }
    }

    /** Whether {@code inner} is {@code outer} or lies below it. */
    private static boolean isInside(JsonPointer inner, JsonPointer outer) {
        return inner.toString().equals(outer.toString()) || inner.toString().startsWith(outer + "/");
    }

    /** {@code data} migrated: a new document; {@code data} itself stays as it was. */
    public JsonNode apply(JsonNode data) throws Failure {
        JsonNode root = data.deepCopy();
        for (var operation : operations) {
            applyOne(root, operation);
        }
        return root;
    }

    private static void applyOne(JsonNode root, Operation operation) throws Failure {
        JsonNode target = find(root, operation.path());
        switch (operation.op()) {
            case "add" -> put(root, operation.path(), operation.value().deepCopy(), operation.index());
            case "default" -> {
                if (target == null) {
                    put(root, operation.path(), operation.value().deepCopy(), operation.index());
                }
            }
            case "remove" -> {
                if (target != null) {
                    take(root, operation.path());
                }
            }
            case "wrap" -> {
                if (target != null) {
                    var wrapped = JsonNodeFactory.instance.arrayNode().add(take(root, operation.path()));
                    put(root, operation.path(), wrapped, operation.index());
                }
            }
            case "move", "copy" -> {
                JsonNode source = find(root, operation.from());
                if (source != null) {
                    JsonNode value = operation.op().equals("move") ? take(root, operation.from()) : source.deepCopy();
                    put(root, operation.path(), value, operation.index());
                }
            }
            default -> throw new IllegalStateException("unparsed operation " + operation.op());
        }
    }

    /** The node at {@code pointer} below the root, or null when there is none ("-", the end of an array, is none). */
    private static JsonNode find(JsonNode root, JsonPointer pointer) {
        JsonNode parent = root.at(pointer.head());
        if (parent.isMissingNode()) {
            return null;
        }
        var last = pointer.last();
        if (parent.isObject()) {
            return parent.get(last.getMatchingProperty());
        }
        if (parent.isArray() && last.getMatchingIndex() >= 0 && last.getMatchingIndex() < parent.size()) {
            return parent.get(last.getMatchingIndex());
        }
        return null;
    }

    /** RFC 6902 "add": sets an object's member, or inserts into an array (at an index, or at "-", the end). */
    private static void put(JsonNode root, JsonPointer pointer, JsonNode value, int index) throws Failure {
        JsonNode parent = root.at(pointer.head());
        var last = pointer.last();
        if (parent instanceof ObjectNode object) {
            object.set(last.getMatchingProperty(), value);
        } else if (parent instanceof ArrayNode array) {
            if (last.getMatchingProperty().equals("-")) {
                array.add(value);
            } else if (last.getMatchingIndex() >= 0 && last.getMatchingIndex() <= array.size()) {
                array.insert(last.getMatchingIndex(), value);
            } else {
                throw new Failure(index, "'" + pointer + "': no index " + last.getMatchingProperty() + " in an array of "
                        + array.size());
            }
        } else {
            throw new Failure(index, "'" + pointer + "': " + (parent.isMissingNode() ? "its parent does not exist"
                    : "its parent is not an object or array"));
        }
    }

    /** Removes and returns the node at {@code pointer}, which exists. */
    private static JsonNode take(JsonNode root, JsonPointer pointer) {
        JsonNode parent = root.at(pointer.head());
        var last = pointer.last();
        return parent instanceof ObjectNode object ? object.remove(last.getMatchingProperty())
                : ((ArrayNode) parent).remove(last.getMatchingIndex());
    }

    /** JSON Pointer escaping of one member name, for problem pointers. */
    private static final class JsonPointerText {
        static String escape(String name) {
            return name.replace("~", "~0").replace("/", "~1");
        }
    }
}
