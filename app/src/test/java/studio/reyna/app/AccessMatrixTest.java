package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import studio.reyna.core.secret.Secrets;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Who may do what once buckets are shared, as a generated matrix: every endpoint that reaches a
 * bucket, blob, share, link or public link × every kind of caller × where the resource lies (the
 * shared bucket itself, a bucket inside it, a bucket of the same owner outside it) → the status the
 * access rules demand.
 *
 * <p>The rules: the owner may do everything. A share covers the shared bucket's whole subtree;
 * {@code read} only reads, {@code write} also changes what is strictly inside, but the shared bucket
 * itself (rename, move, delete) and its shares and links stay the owner's (403). What a caller may
 * not see answers exactly like an id that does not exist: 404, or 422 when it is named in a request
 * body. Anonymous calls answer 401. A public link reads its bucket's subtree and nothing else; an
 * unknown, expired or revoked link answers 404.
 *
 * <p>The matrix is data ({@link #matrix()}): the last test fails when a route is registered under
 * {@code /api/v1} that has no row here, so a new endpoint cannot skip the access review.
 *
 * <p>Every cell runs in a world of its own (buckets, blobs, shares, links made fresh through the
 * API), so a cell that deletes or moves something cannot change what another cell sees. The users
 * are registered once: registering hashes a password and is by far the slowest step.
 */
class AccessMatrixTest {
    private static final Api API = TestStudio.api();
    private static final Jdbi DB = TestDatabase.shared().jdbi();
    private static final Map<Actor, JsonNode> SESSIONS = new EnumMap<>(Actor.class);
    /** A user no actor is: the one the matrix shares buckets with, so sharing never changes an actor's access. */
    private static final JsonNode BYSTANDER = API.register("bystander");
    private static final String SCHEMA = "access-note-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String PROBLEM_PREFIX = "urn:reyna:problem:";

    static {
        SESSIONS.put(Actor.OWNER, API.register("owner"));
        SESSIONS.put(Actor.READ_SHAREE, API.register("reader"));
        SESSIONS.put(Actor.WRITE_SHAREE, API.register("writer"));
        SESSIONS.put(Actor.STRANGER, API.register("stranger"));
        expect(API.post("/api/v1/schemas", token(Actor.OWNER), Api.JSON.readTree("""
                {"id":"%s","name":"Note","schema":{"type":"object","required":["title"],
                 "properties":{"title":{"type":"string"}}}}""".formatted(SCHEMA))), 201, "publishing the schema");
    }

    /** Which part of the API a row calls: the signed-in API, or the public links under /api/v1/public/{token}. */
    enum Surface { USER, PUBLIC }

    /** Which link an actor holds. */
    enum Held { VALID, REVOKED, EXPIRED, NEVER_ISSUED }

    /**
     * Who calls, and what each sends. On the user surface an actor sends its session's access token;
     * an actor without a session presents the link token it holds as a bearer token, the only
     * credential it has (none when it holds no link). On the public surface {@code {token}} is the
     * link the actor holds (a token never issued when it holds none), and a signed-in actor also
     * sends its session: the signed-in users hold the valid link too, which checks that a session
     * neither widens nor narrows what a link shows.
     */
    enum Actor {
        OWNER("owner", true, Held.VALID),
        READ_SHAREE("read sharee", true, Held.VALID),
        WRITE_SHAREE("write sharee", true, Held.VALID),
        STRANGER("stranger", true, Held.VALID),
        ANONYMOUS("anonymous", false, Held.NEVER_ISSUED),
        VALID_LINK("valid link", false, Held.VALID),
        REVOKED_LINK("revoked link", false, Held.REVOKED),
        EXPIRED_LINK("expired link", false, Held.EXPIRED);

        final String label;
        final boolean signedIn;
        final Held link;

        Actor(String label, boolean signedIn, Held link) {
            this.label = label;
            this.signedIn = signedIn;
            this.link = link;
        }
    }

    /**
     * Where the resource a row names lies. The owner's bucket SHARED_ROOT is shared read with the
     * read sharee, write with the write sharee, and is the bucket of every link; INSIDE is a bucket
     * in it; OUTSIDE is another top-level bucket of the owner, neither shared nor linked. A blob
     * resource is a blob in that bucket. NONE: the row names no resource.
     */
    enum Resource {
        SHARED_ROOT("shared root"), INSIDE("inside"), OUTSIDE("outside"), NONE("");

        final String label;

        Resource(String label) {
            this.label = label;
        }
    }

    private static final List<Resource> WHERE = List.of(Resource.SHARED_ROOT, Resource.INSIDE, Resource.OUTSIDE);

    /**
     * One endpoint (or one way of calling it) and the status every actor gets for every resource.
     * {@code route} is the path exactly as registered; its parameters are filled from the world by
     * {@code params} (by default bucketId → the resource bucket, blobId → its blob, token → the link
     * the actor holds). {@code query}, {@code body} and header values take {@code ${name}} placeholders;
     * {@code given} names values made before the call though the request does not name them.
     * A probe calls a method the route does not have, to show the surface refuses it.
     */
    static final class Row {
        final String method;
        final String route;
        final Surface surface;
        final List<Resource> resources;
        final Map<String, String> params = new LinkedHashMap<>();
        final Map<String, String> headers = new LinkedHashMap<>();
        final Map<Actor, List<Integer>> expected = new EnumMap<>(Actor.class);
        String variant;
        String query;
        String body;
        String contentType = "application/json";
        boolean probe;
        /** World values made before the call though the request does not name them. */
        final List<String> given = new ArrayList<>();

        Row(String method, String route, Surface surface, List<Resource> resources) {
            this.method = method;
            this.route = route;
            this.surface = surface;
            this.resources = resources;
            params.put("bucketId", "bucket");
            params.put("blobId", "blob");
            params.put("token", "link");
        }

        Row variant(String text) {
            this.variant = text;
            return this;
        }

        Row query(String text) {
            this.query = text;
            return this;
        }

        Row body(String text) {
            this.body = text;
            return this;
        }

        /** The media type of the body (JSON unless said). */
        Row contentType(String type) {
            this.contentType = type;
            return this;
        }

        Row header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Row param(String name, String value) {
            params.put(name, value);
            return this;
        }

        Row given(String... valueNames) {
            given.addAll(List.of(valueNames));
            return this;
        }

        Row probe() {
            this.probe = true;
            return this;
        }

        /**
         * The expected statuses: one group per actor, in {@link Actor} order, separated by '|'; in
         * each group one status per resource, in the order of {@code resources}.
         */
        Row expect(String grid) {
            String[] groups = grid.split("\\|");
            if (groups.length != Actor.values().length) {
                throw new IllegalArgumentException(title() + ": " + groups.length + " actor groups, not "
                        + Actor.values().length + ": " + grid);
            }
            for (int i = 0; i < groups.length; i++) {
                var statuses = Arrays.stream(groups[i].trim().split("\\s+")).map(Integer::valueOf).toList();
                if (statuses.size() != resources.size()) {
                    throw new IllegalArgumentException(title() + ": " + Actor.values()[i] + " has " + statuses.size()
                            + " statuses for " + resources.size() + " resources");
                }
                expected.put(Actor.values()[i], statuses);
            }
            return this;
        }

        String routeKey() {
            return method + " " + route;
        }

        String title() {
            String shown = route.replaceFirst("^/api/v1", "")
                    + (query == null ? "" : "?" + query.replace("${", "{"));
            return method + " " + shown + (variant == null ? "" : " (" + variant + ")");
        }
    }

    static Row user(String method, String route) {
        return new Row(method, route, Surface.USER, WHERE);
    }

    static Row userWithoutResource(String method, String route) {
        return new Row(method, route, Surface.USER, List.of(Resource.NONE));
    }

    static Row link(String method, String route) {
        return new Row(method, route, Surface.PUBLIC, WHERE);
    }

    static Row linkWithoutResource(String method, String route) {
        return new Row(method, route, Surface.PUBLIC, List.of(Resource.NONE));
    }

    // Columns of every grid:
    //   OWNER        | READ SHAREE  | WRITE SHAREE | STRANGER     | ANONYMOUS    | VALID LINK   | REVOKED LINK | EXPIRED LINK
    //   root in  out | root in  out | ...
    // On the user surface the three link actors hold no session: 401 like anyone anonymous.
    static List<Row> matrix() {
        return List.of(
                // Buckets
                user("GET", "/api/v1/buckets/{bucketId}").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("GET", "/api/v1/buckets").query("parentId=${bucket}").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                // A parent named in the body is a field: one the caller cannot see fails validation, like one that does not exist.
                user("POST", "/api/v1/buckets").body("{\"name\":\"New ${unique}\",\"parentId\":\"${bucket}\"}").expect(
                        "201 201 201 | 403 403 422 | 201 201 422 | 422 422 422 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("PATCH", "/api/v1/buckets/{bucketId}").variant("rename").body("{\"name\":\"Renamed ${unique}\"}").expect(
                        "200 200 200 | 403 403 404 | 403 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                // The sibling of the shared root is a top-level bucket; the sibling of INSIDE is inside the shared root.
                user("PATCH", "/api/v1/buckets/{bucketId}").variant("move into a sibling").body("{\"parentId\":\"${sibling}\"}").expect(
                        "200 200 200 | 403 403 404 | 403 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                // Out of the shared subtree: the target is invisible to the sharee, so it answers as a target that does not exist.
                user("PATCH", "/api/v1/buckets/{bucketId}").variant("move under an unshared bucket")
                        .body("{\"parentId\":\"${unsharedBucket}\"}").expect(
                        "200 200 200 | 403 403 404 | 403 422 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("PATCH", "/api/v1/buckets/{bucketId}").variant("move to the top level").body("{\"parentId\":null}").expect(
                        "200 200 200 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("DELETE", "/api/v1/buckets/{bucketId}").query("recursive=true").variant("with a blob in it").given("blob").expect(
                        "204 204 204 | 403 403 404 | 403 204 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("GET", "/api/v1/buckets/{bucketId}/blobs").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),

                // Blobs
                user("POST", "/api/v1/buckets/{bucketId}/blobs").body("{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"New\"}}").expect(
                        "201 201 201 | 403 403 404 | 201 201 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("GET", "/api/v1/blobs/{blobId}").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("PUT", "/api/v1/blobs/{blobId}").body("{\"data\":{\"title\":\"Changed\"}}").header("If-Match", "\"1\"").expect(
                        "200 200 200 | 403 403 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                // A target the caller cannot see is a field that names nothing: 422, as for buckets.
                user("PATCH", "/api/v1/blobs/{blobId}").variant("move into a sibling").body("{\"bucketId\":\"${sibling}\"}").expect(
                        "200 200 200 | 403 403 404 | 422 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("PATCH", "/api/v1/blobs/{blobId}").variant("move under an unshared bucket")
                        .body("{\"bucketId\":\"${unsharedBucket}\"}").expect(
                        "200 200 200 | 403 403 404 | 422 422 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("DELETE", "/api/v1/blobs/{blobId}").header("If-Match", "\"1\"").expect(
                        "204 204 204 | 403 403 404 | 204 204 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),

                // A batch's operations are checked as their single requests are.
                user("POST", "/api/v1/batch").variant("update a blob").body("{\"operations\":[{\"op\":\"update\","
                                + "\"blobId\":\"${blob}\",\"ifMatch\":1,\"data\":{\"title\":\"Batched\"}}]}").expect(
                        "200 200 200 | 403 403 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("POST", "/api/v1/batch").variant("create in a bucket").body("{\"operations\":[{\"op\":\"create\","
                                + "\"bucketId\":\"${bucket}\",\"schemaId\":\"${schema}\",\"data\":{\"title\":\"Batched\"}}]}").expect(
                        "200 200 200 | 403 403 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                // Export reads a subtree, import writes into a bucket.
                user("GET", "/api/v1/export").query("bucketId=${bucket}").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("POST", "/api/v1/import").query("bucketId=${bucket}").body("{\"format\":\"reyna-export\",\"version\":1,"
                                + "\"schemas\":[],\"buckets\":[],\"blobs\":[],\"attachments\":[]}").expect(
                        "200 200 200 | 403 403 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                // Search reads what the caller may read: a bucketId it cannot see answers 404 like the bucket itself.
                user("GET", "/api/v1/search").query("q=matrix&bucketId=${bucket}").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                userWithoutResource("GET", "/api/v1/search").query("q=matrix").expect(
                        "200 | 200 | 200 | 200 | 401 | 401 | 401 | 401"),

                // Attachments follow their blob: whoever may read it reads them, whoever may write it adds and deletes them.
                user("POST", "/api/v1/blobs/{blobId}/attachments").query("filename=notes.txt").contentType("text/plain")
                        .body("A new note").expect(
                        "201 201 201 | 403 403 404 | 201 201 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("GET", "/api/v1/blobs/{blobId}/attachments").given("attachment").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("GET", "/api/v1/blobs/{blobId}/attachments/{attachmentId}").param("attachmentId", "attachment").expect(
                        "200 200 200 | 200 200 404 | 200 200 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("DELETE", "/api/v1/blobs/{blobId}/attachments/{attachmentId}").param("attachmentId", "attachment").expect(
                        "204 204 204 | 403 403 404 | 204 204 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),

                // Shares and links: the owner's alone, on any of its buckets, shared or not.
                user("POST", "/api/v1/buckets/{bucketId}/shares").body("{\"email\":\"${bystanderEmail}\",\"access\":\"read\"}").expect(
                        "201 201 201 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("GET", "/api/v1/buckets/{bucketId}/shares").expect(
                        "200 200 200 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("DELETE", "/api/v1/buckets/{bucketId}/shares/{userId}").param("userId", "sharedBystanderId").expect(
                        "204 204 204 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("POST", "/api/v1/buckets/{bucketId}/links").body("{}").expect(
                        "201 201 201 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("GET", "/api/v1/buckets/{bucketId}/links").expect(
                        "200 200 200 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("DELETE", "/api/v1/buckets/{bucketId}/links/{token}").variant("by token").param("token", "otherLinkToken").expect(
                        "204 204 204 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                user("DELETE", "/api/v1/buckets/{bucketId}/links/{token}").variant("by id").param("token", "otherLinkId").expect(
                        "204 204 204 | 403 403 404 | 403 403 404 | 404 404 404 | 401 401 401 | 401 401 401 | 401 401 401 | 401 401 401"),
                userWithoutResource("GET", "/api/v1/shared-with-me").expect(
                        "200 | 200 | 200 | 200 | 401 | 401 | 401 | 401"),

                // Public links: the linked bucket is the shared root, so OUTSIDE is outside the link's subtree.
                linkWithoutResource("GET", "/api/v1/public/{token}").expect(
                        "200 | 200 | 200 | 200 | 404 | 200 | 404 | 404"),
                linkWithoutResource("GET", "/api/v1/public/{token}/buckets").variant("under the linked bucket").expect(
                        "200 | 200 | 200 | 200 | 404 | 200 | 404 | 404"),
                link("GET", "/api/v1/public/{token}/buckets").query("parentId=${bucket}").expect(
                        "200 200 404 | 200 200 404 | 200 200 404 | 200 200 404 | 404 404 404 | 200 200 404 | 404 404 404 | 404 404 404"),
                link("GET", "/api/v1/public/{token}/buckets/{bucketId}").expect(
                        "200 200 404 | 200 200 404 | 200 200 404 | 200 200 404 | 404 404 404 | 200 200 404 | 404 404 404 | 404 404 404"),
                link("GET", "/api/v1/public/{token}/buckets/{bucketId}/blobs").expect(
                        "200 200 404 | 200 200 404 | 200 200 404 | 200 200 404 | 404 404 404 | 200 200 404 | 404 404 404 | 404 404 404"),
                link("GET", "/api/v1/public/{token}/blobs/{blobId}").expect(
                        "200 200 404 | 200 200 404 | 200 200 404 | 200 200 404 | 404 404 404 | 200 200 404 | 404 404 404 | 404 404 404"),
                link("GET", "/api/v1/public/{token}/blobs/{blobId}/attachments").given("attachment").expect(
                        "200 200 404 | 200 200 404 | 200 200 404 | 200 200 404 | 404 404 404 | 200 200 404 | 404 404 404 | 404 404 404"),
                link("GET", "/api/v1/public/{token}/blobs/{blobId}/attachments/{attachmentId}").param("attachmentId", "attachment").expect(
                        "200 200 404 | 200 200 404 | 200 200 404 | 200 200 404 | 404 404 404 | 200 200 404 | 404 404 404 | 404 404 404"),
                // Nothing on the public surface writes, whoever calls and whatever the token.
                link("DELETE", "/api/v1/public/{token}/blobs/{blobId}").probe().expect(
                        "405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405"),
                link("POST", "/api/v1/public/{token}/blobs/{blobId}/attachments").probe().query("filename=defaced.txt")
                        .contentType("text/plain").body("Defaced").expect(
                        "405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405"),
                link("PUT", "/api/v1/public/{token}/blobs/{blobId}").probe().body("{\"data\":{\"title\":\"Defaced\"}}")
                        .header("If-Match", "*").expect(
                        "405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405 | 405 405 405"));
    }

    /**
     * Routes under /api/v1 that have nothing to do with buckets, so no row: accounts and sessions,
     * and schemas, which are global documents that no share or link reaches.
     */
    private static final List<String> UNRELATED_PREFIXES = List.of("/api/v1/auth/", "/api/v1/me", "/api/v1/schemas", "/api/v1/processors");

    @TestFactory
    Stream<DynamicTest> every_caller_gets_what_the_access_rules_say() {
        var tests = new ArrayList<DynamicTest>();
        var rows = matrix();
        for (var row : rows) {
            for (var actor : Actor.values()) {
                for (int i = 0; i < row.resources.size(); i++) {
                    var resource = row.resources.get(i);
                    int status = row.expected.get(actor).get(i);
                    String name = actor.label + " · " + row.title()
                            + (resource == Resource.NONE ? "" : " · " + resource.label) + " → " + status;
                    tests.add(DynamicTest.dynamicTest(name, () -> cell(name, row, actor, resource, status)));
                }
            }
        }
        for (var row : rows) {
            if (row.resources.contains(Resource.OUTSIDE) && !row.probe) {
                tests.add(DynamicTest.dynamicTest("guessed id · " + row.title()
                        + " · a random id answers like another user's resource", () -> guessedIdAnswersLikeHidden(row)));
            }
        }
        for (var row : rows) {
            if (row.surface == Surface.PUBLIC && !row.probe) {
                tests.add(DynamicTest.dynamicTest("dead link · " + row.title()
                        + " · revoked, expired and never-issued tokens answer alike", () -> deadLinksAnswerAlike(row)));
            }
        }
        tests.add(DynamicTest.dynamicTest("a link stops working once its expiry passes", AccessMatrixTest::linkExpiresOnItsOwn));
        tests.add(DynamicTest.dynamicTest("every route under /api/v1 that reaches buckets is in the matrix",
                () -> everyRouteIsInTheMatrix(rows)));
        return tests.stream();
    }

    private static void cell(String name, Row row, Actor actor, Resource resource, int expected) {
        var world = World.create();
        var request = world.request(row, actor, resource);
        long eventsBefore = ownerEvents();
        var response = send(request);
        String where = name + " [" + request + "]";

        assertThat(response.status()).as("%s: %s", where, response.text()).isEqualTo(expected);
        if (response.status() >= 400) {
            assertIsProblem(response, where);
            // A refused call changes nothing, so it leaves no trace in the event log either.
            assertThat(ownerEvents() - eventsBefore).as("events written by the refused %s", where).isZero();
        }
    }

    /**
     * An id the caller cannot see and an id that does not exist answer the same problem, so ids of
     * other people's buckets and blobs reveal nothing.
     */
    private static void guessedIdAnswersLikeHidden(Row row) {
        var actor = row.surface == Surface.USER ? Actor.STRANGER : Actor.VALID_LINK;
        var hiddenWorld = World.create();
        var hiddenRequest = hiddenWorld.request(row, actor, Resource.OUTSIDE);
        var hidden = send(hiddenRequest);
        var guessedWorld = World.create().guessingResourceIds();
        var guessedRequest = guessedWorld.request(row, actor, Resource.OUTSIDE);
        var guessed = send(guessedRequest);

        assertThat(hidden.status()).as("%s %s for what it may not see: %s", actor.label, hiddenRequest, hidden.text())
                .isIn(404, 422);
        assertIsProblem(hidden, hiddenRequest.toString());
        assertIsProblem(guessed, guessedRequest.toString());
        assertThat(guessed.status()).as("%s %s: %s", actor.label, guessedRequest, guessed.text()).isEqualTo(hidden.status());
        assertThat(guessed.json().get("type").asString()).isEqualTo(hidden.json().get("type").asString());
        assertThat(guessedWorld.normalized(guessed)).as("the whole problem, ids aside")
                .isEqualTo(hiddenWorld.normalized(hidden));
    }

    /** Whether a link was revoked, has expired or never existed is nobody's business but its owner's. */
    private static void deadLinksAnswerAlike(Row row) {
        var resource = row.resources.contains(Resource.INSIDE) ? Resource.INSIDE : Resource.NONE;
        var answers = new LinkedHashMap<Actor, String>();
        for (var actor : List.of(Actor.ANONYMOUS, Actor.REVOKED_LINK, Actor.EXPIRED_LINK)) {
            var world = World.create();
            var request = world.request(row, actor, resource);
            var response = send(request);
            assertThat(response.status()).as("%s %s: %s", actor.label, request, response.text()).isEqualTo(404);
            assertIsProblem(response, request.toString());
            answers.put(actor, world.normalized(response));
        }
        assertThat(answers.values()).as("answers by actor: %s", answers).containsOnly(answers.get(Actor.ANONYMOUS));
    }

    /** The matrix ages its expired links in the database; this one expires by the clock alone. */
    private static void linkExpiresOnItsOwn() throws InterruptedException {
        var world = World.create();
        String owner = token(Actor.OWNER);
        var inThePast = API.post("/api/v1/buckets/" + world.bucket(Resource.SHARED_ROOT) + "/links", owner,
                Map.of("expiresAt", Instant.now().minusSeconds(60).toString()));
        assertThat(inThePast.status()).as("a link that expired before it was made: %s", inThePast.text()).isEqualTo(422);

        Instant expiresAt = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.MILLIS);
        var created = expect(API.post("/api/v1/buckets/" + world.bucket(Resource.SHARED_ROOT) + "/links", owner,
                Map.of("expiresAt", expiresAt.toString())), 201, "creating a link that expires soon");
        String path = "/api/v1/public/" + created.get("token").asString() + "/blobs/" + world.blob(Resource.INSIDE);
        var before = API.get(path, null);
        assertThat(before.status()).as("before expiry: %s", before.text()).isEqualTo(200);

        Instant deadline = expiresAt.plus(Duration.ofSeconds(10));
        Api.Response after;
        do {
            Thread.sleep(100);
            after = API.get(path, null);
        } while (after.status() == 200 && Instant.now().isBefore(deadline));
        assertThat(after.status()).as("after expiry: %s", after.text()).isEqualTo(404);
        assertIsProblem(after, "GET " + path);
        assertThat(Instant.now()).as("it did not stop working early").isAfterOrEqualTo(expiresAt.minusMillis(500));
    }

    private static void everyRouteIsInTheMatrix(List<Row> rows) throws IOException {
        var registered = registeredRoutes();
        assertThat(registered).as("routes found in the sources").contains("GET /api/v1/buckets/{bucketId}");
        var relevant = new TreeSet<String>();
        for (var route : registered) {
            String path = route.substring(route.indexOf(' ') + 1);
            if (UNRELATED_PREFIXES.stream().noneMatch(path::startsWith)) {
                relevant.add(route);
            }
        }
        var inMatrix = new TreeSet<String>();
        var probes = new TreeSet<String>();
        for (var row : rows) {
            (row.probe ? probes : inMatrix).add(row.routeKey());
        }
        var missing = new TreeSet<>(relevant);
        missing.removeAll(inMatrix);
        assertThat(missing).as("routes with no row in the matrix (add rows, or list them as unrelated to buckets)").isEmpty();
        var gone = new TreeSet<>(inMatrix);
        gone.removeAll(relevant);
        assertThat(gone).as("rows for routes that are not registered").isEmpty();
        assertThat(registered).as("probes call methods that are not routes").doesNotContainAnyElementsOf(probes);
    }

    private static final Pattern ROUTE = Pattern.compile("routes\\.(get|post|put|patch|delete)\\(\\s*\"([^\"]+)\"");

    /** Every {@code routes.<method>("/api/v1/...")} in the main sources of every module. */
    private static Set<String> registeredRoutes() throws IOException {
        var routes = new TreeSet<String>();
        var project = projectRoot();
        try (var modules = Files.list(project)) {
            for (var sources : modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (var files = Files.walk(sources)) {
                    for (var file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        Matcher m = ROUTE.matcher(Files.readString(file));
                        while (m.find()) {
                            if (m.group(2).startsWith("/api/v1/")) {
                                routes.add(m.group(1).toUpperCase(java.util.Locale.ROOT) + " " + m.group(2));
                            }
                        }
                    }
                }
            }
        }
        return routes;
    }

    private static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("gateway/src/main/java"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the project's gateway module from " + Path.of("").toAbsolutePath());
    }

    private static final Map<Integer, String> PROBLEM_TYPES = Map.of(401, "unauthorized", 403, "forbidden",
            404, "not-found", 405, "method-not-allowed", 422, "validation-failed");

    private static void assertIsProblem(Api.Response response, String where) {
        assertThat(response.contentType()).as("content type of %s", where).startsWith("application/problem+json");
        assertThat(response.json().get("status").asInt()).as("problem status of %s", where).isEqualTo(response.status());
        String type = PROBLEM_TYPES.get(response.status());
        if (type != null) {
            assertThat(response.json().get("type").asString()).as("problem type of %s", where).isEqualTo(PROBLEM_PREFIX + type);
        }
    }

    private static long ownerEvents() {
        return DB.withHandle(h -> h.createQuery("select count(*) from events where owner_id = :owner and type <> 'blob.derived'")
                .bind("owner", UUID.fromString(userId(Actor.OWNER))).mapTo(Long.class).one());
    }

    /** A request ready to send. */
    record Request(String method, String path, String bearer, String contentType, String body, Map<String, String> headers) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private static Api.Response send(Request request) {
        return API.call(request.method(), request.path(), request.bearer(), request.body() == null ? null : request.contentType(),
                request.body(), request.headers());
    }

    private static String token(Actor actor) {
        return SESSIONS.get(actor).get("accessToken").asString();
    }

    private static String userId(Actor actor) {
        return SESSIONS.get(actor).at("/user/id").asString();
    }

    private static JsonNode expect(Api.Response response, int status, String what) {
        if (response.status() != status) {
            throw new AssertionError(what + ": expected " + status + ", got " + response.status() + " " + response.text());
        }
        return response.json();
    }

    /**
     * The owner's buckets of one cell: the shared root (shared with both sharees), a bucket inside
     * it, a bucket outside it; more (blobs, siblings, links, a bystander's share) made the first time
     * a request names them, so a cell pays only for what it uses.
     */
    private static final class World {
        private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");
        private static final Pattern ROUTE_PARAM = Pattern.compile("\\{(\\w+)}");

        private final String unique = UUID.randomUUID().toString().substring(0, 8);
        private final Map<Resource, String> buckets = new EnumMap<>(Resource.class);
        private final Map<Resource, String> blobs = new EnumMap<>(Resource.class);
        private final Map<Resource, String> attachments = new EnumMap<>(Resource.class);
        private final Map<Held, String> links = new EnumMap<>(Held.class);
        /** Every value a request was filled with, to take ids out of answers that are compared. */
        private final Map<String, String> used = new HashMap<>();
        private boolean guessing;
        private Resource resource;
        private Actor actor;

        static World create() {
            var world = new World();
            String root = world.newBucket("Shared " + world.unique, null);
            world.buckets.put(Resource.SHARED_ROOT, root);
            world.buckets.put(Resource.INSIDE, world.newBucket("Inside " + world.unique, root));
            world.buckets.put(Resource.OUTSIDE, world.newBucket("Outside " + world.unique, null));
            world.share(root, Actor.READ_SHAREE, "read");
            world.share(root, Actor.WRITE_SHAREE, "write");
            return world;
        }

        /** From now on the resource's bucket and blob ids are random ones that name nothing. */
        World guessingResourceIds() {
            this.guessing = true;
            return this;
        }

        String bucket(Resource where) {
            return buckets.get(where);
        }

        /** The blob in the bucket of {@code where}, made on first use. */
        String blob(Resource where) {
            return blobs.computeIfAbsent(where, w -> id(expect(API.post("/api/v1/buckets/" + buckets.get(w) + "/blobs",
                    token(Actor.OWNER), Api.JSON.readTree("{\"schemaId\":\"" + SCHEMA + "\",\"data\":{\"title\":\"Note\"}}")),
                    201, "creating a blob")));
        }

        /** A file attached by the owner to the blob in the bucket of {@code where}, made on first use. */
        String attachment(Resource where) {
            return attachments.computeIfAbsent(where, w -> id(expect(API.call("POST", "/api/v1/blobs/" + blob(w)
                    + "/attachments?filename=notes.txt", token(Actor.OWNER), "text/plain", "A note", Map.of()),
                    201, "attaching a file")));
        }

        Request request(Row row, Actor who, Resource where) {
            this.actor = who;
            this.resource = where;
            row.given.forEach(name -> value(name, row.surface));
            var path = new StringBuilder();
            Matcher m = ROUTE_PARAM.matcher(row.route);
            while (m.find()) {
                String valueName = row.params.get(m.group(1));
                if (valueName == null) {
                    throw new IllegalArgumentException(row.title() + ": no value for route parameter " + m.group(1));
                }
                m.appendReplacement(path, Matcher.quoteReplacement(value(valueName, row.surface)));
            }
            m.appendTail(path);
            if (row.query != null) {
                path.append('?').append(fill(row.query, row.surface));
            }
            var headers = new LinkedHashMap<String, String>();
            row.headers.forEach((name, value) -> headers.put(name, fill(value, row.surface)));
            return new Request(row.method, path.toString(), bearer(row.surface, who), row.contentType,
                    row.body == null ? null : fill(row.body, row.surface), headers);
        }

        /** The answer as JSON text, without its request id and with every id the request named replaced by its name. */
        String normalized(Api.Response response) {
            var json = (ObjectNode) response.json().deepCopy();
            json.remove("requestId");
            String text = json.toString();
            for (var entry : used.entrySet()) {
                if (entry.getValue().length() >= 20) {
                    text = text.replace(entry.getValue(), "{" + entry.getKey() + "}");
                }
            }
            return text;
        }

        private String bearer(Surface surface, Actor who) {
            if (who.signedIn) {
                return token(who);
            }
            if (surface == Surface.USER && who.link != Held.NEVER_ISSUED) {
                return link(who.link);
            }
            return null;
        }

        private String fill(String text, Surface surface) {
            Matcher m = PLACEHOLDER.matcher(text);
            var out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1), surface)));
            }
            m.appendTail(out);
            return out.toString();
        }

        private String value(String name, Surface surface) {
            String value = switch (name) {
                case "unique" -> unique;
                case "schema" -> SCHEMA;
                case "bucket" -> guessing ? UUID.randomUUID().toString() : buckets.get(resource);
                case "blob" -> guessing ? UUID.randomUUID().toString() : blob(resource);
                case "attachment" -> guessing ? UUID.randomUUID().toString() : attachment(resource);
                case "link" -> link(actor.link);
                case "sibling" -> resource == Resource.INSIDE
                        ? newBucket("Sibling " + unique, buckets.get(Resource.SHARED_ROOT))
                        : newBucket("Sibling of " + resource + " " + unique, null);
                case "unsharedBucket" -> newBucket("Unshared " + unique, null);
                case "bystanderEmail" -> BYSTANDER.at("/user/email").asString();
                case "sharedBystanderId" -> {
                    expect(API.post("/api/v1/buckets/" + buckets.get(resource) + "/shares", token(Actor.OWNER),
                            Map.of("email", BYSTANDER.at("/user/email").asString(), "access", "read")), 201, "sharing with the bystander");
                    yield BYSTANDER.at("/user/id").asString();
                }
                case "otherLinkToken" -> newLink(buckets.get(resource), null).get("token").asString();
                case "otherLinkId" -> id(newLink(buckets.get(resource), null));
                default -> throw new IllegalArgumentException("no world value " + name);
            };
            if (value == null) {
                throw new IllegalArgumentException("no value " + name + " for " + resource + " on the " + surface + " surface");
            }
            used.put(name, value);
            return value;
        }

        /** The token of the actor's link to the shared root, made on first use. */
        private String link(Held held) {
            return links.computeIfAbsent(held, kind -> {
                String root = buckets.get(Resource.SHARED_ROOT);
                return switch (kind) {
                    case VALID -> newLink(root, null).get("token").asString();
                    case REVOKED -> {
                        var link = newLink(root, null);
                        expect(API.call("DELETE", "/api/v1/buckets/" + root + "/links/" + id(link), token(Actor.OWNER),
                                null, null, Map.of()), 204, "revoking a link");
                        yield link.get("token").asString();
                    }
                    case EXPIRED -> {
                        // The API only makes links that expire in the future; waiting for each to pass
                        // would make the matrix slow, so its expiry is moved into the past instead.
                        var link = newLink(root, Instant.now().plus(Duration.ofHours(1)));
                        int aged = DB.withHandle(h -> h.createUpdate(
                                        "update public_links set expires_at = now() - interval '1 minute' where id = :id")
                                .bind("id", UUID.fromString(id(link))).execute());
                        if (aged != 1) {
                            throw new AssertionError("expected to age one link, aged " + aged);
                        }
                        yield link.get("token").asString();
                    }
                    case NEVER_ISSUED -> Secrets.newToken();
                };
            });
        }

        private String newBucket(String name, String parentId) {
            var body = new HashMap<String, Object>();
            body.put("name", name);
            if (parentId != null) {
                body.put("parentId", parentId);
            }
            return id(expect(API.post("/api/v1/buckets", token(Actor.OWNER), body), 201, "creating bucket " + name));
        }

        private JsonNode newLink(String bucketId, Instant expiresAt) {
            Map<String, Object> body = expiresAt == null ? Map.of() : Map.of("expiresAt", expiresAt.toString());
            return expect(API.post("/api/v1/buckets/" + bucketId + "/links", token(Actor.OWNER), body), 201, "creating a link");
        }

        private void share(String bucketId, Actor with, String access) {
            expect(API.post("/api/v1/buckets/" + bucketId + "/shares", token(Actor.OWNER),
                    Map.of("email", SESSIONS.get(with).at("/user/email").asString(), "access", access)), 201,
                    "sharing with the " + with.label);
        }

        private static String id(JsonNode node) {
            return node.get("id").asString();
        }
    }
}
