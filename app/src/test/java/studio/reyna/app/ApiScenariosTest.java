package studio.reyna.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import studio.reyna.db.TestDatabase;
import tools.jackson.databind.JsonNode;

/**
 * The API, endpoint by endpoint, as a table: who calls, what they send, what status and JSON
 * they get back, and which events the call wrote. Every exchange is also checked against
 * {@code /openapi.json}, and every documented operation must appear in the table.
 * Each scenario runs in a fresh little world (schema, buckets, blobs) of two users, Ann and Bob,
 * with, when the scenario names them, buckets of Ann's shared with Bob and public links.
 */
class ApiScenariosTest {
    private static final Api API = TestStudio.api();
    private static final Jdbi DB = TestDatabase.shared().jdbi();
    private static final OpenApiContract CONTRACT = new OpenApiContract();
    private static final JsonNode ANN = API.register("ann");
    private static final JsonNode BOB = API.register("bob");
    private static final String NOTE_SCHEMA = """
            {"type":"object","required":["title"],"properties":{
              "title":{"type":"string","maxLength":100},"body":{"type":"string"},"count":{"type":"integer"}}}""";

    /** The content of the attachments the world makes: 20 bytes. */
    private static final String ATTACHED = "0123456789abcdefghij";

    enum Actor { ANN, BOB, ANONYMOUS }

    static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One row of the table. Placeholders {@code ${name}} in path, body and headers come from the
     * world. {@code documented} false marks calls that must fail precisely because the API has no
     * such operation (they are not checked against openapi.json).
     */
    record Scenario(String name, Actor actor, String method, String path, String contentType, String body,
                    Map<String, String> headers, int status, Map<String, String> json, Map<String, String> responseHeaders,
                    List<String> events, boolean documented) {

        Scenario status(int expected) {
            return new Scenario(name, actor, method, path, contentType, body, headers, expected, json, responseHeaders,
                    events, documented);
        }

        Scenario json(String pointer, String expected) {
            var more = new LinkedHashMap<>(json);
            more.put(pointer, expected);
            return new Scenario(name, actor, method, path, contentType, body, headers, status, more, responseHeaders,
                    events, documented);
        }

        /** A request header. */
        Scenario header(String header, String value) {
            var more = new LinkedHashMap<>(headers);
            more.put(header, value);
            return new Scenario(name, actor, method, path, contentType, body, more, status, json, responseHeaders,
                    events, documented);
        }

        /** A header the response must carry. */
        Scenario responseHeader(String header, String value) {
            var more = new LinkedHashMap<>(responseHeaders);
            more.put(header, value);
            return new Scenario(name, actor, method, path, contentType, body, headers, status, json, more,
                    events, documented);
        }

        Scenario contentType(String type) {
            return new Scenario(name, actor, method, path, type, body, headers, status, json, responseHeaders,
                    events, documented);
        }

        Scenario events(String... types) {
            return new Scenario(name, actor, method, path, contentType, body, headers, status, json, responseHeaders,
                    List.of(types), documented);
        }

        Scenario undocumented() {
            return new Scenario(name, actor, method, path, contentType, body, headers, status, json, responseHeaders,
                    events, false);
        }
    }

    static Scenario call(String name, Actor actor, String method, String path) {
        return call(name, actor, method, path, null);
    }

    static Scenario call(String name, Actor actor, String method, String path, String body) {
        return new Scenario(name, actor, method, path, body == null ? null : "application/json", body, Map.of(), 200,
                Map.of(), Map.of(), List.of(), true);
    }

    static List<Scenario> table() {
        var a = Actor.ANN;
        var b = Actor.BOB;
        var anon = Actor.ANONYMOUS;
        String tooLarge = "{\"schemaId\":\"x\",\"data\":\"" + "x".repeat(11 * 1024 * 1024) + "\"}";
        return List.of(
                // Accounts and sessions
                call("registers a new account", anon, "POST", "/api/v1/auth/register",
                        "{\"email\":\"new-${unique}@example.org\",\"password\":\"a long passphrase\",\"displayName\":\"New\"}")
                        .status(201).json("/user/displayName", "New").json("/tokenType", "Bearer").json("/expiresIn", "900"),
                call("refuses a second account with the same email, whatever its case", anon, "POST", "/api/v1/auth/register",
                        "{\"email\":\"${annEmailUpper}\",\"password\":\"a long passphrase\"}").status(409),
                call("refuses a weak password", anon, "POST", "/api/v1/auth/register",
                        "{\"email\":\"weak-${unique}@example.org\",\"password\":\"short\"}")
                        .status(422).json("/errors/0/pointer", "/password"),
                call("refuses an email that is not one", anon, "POST", "/api/v1/auth/register",
                        "{\"email\":\"not-an-email\",\"password\":\"a long passphrase\"}")
                        .status(422).json("/errors/0/pointer", "/email"),
                call("refuses a field of the wrong type", anon, "POST", "/api/v1/auth/register",
                        "{\"email\":42,\"password\":\"a long passphrase\"}").status(422).json("/errors/0/pointer", "/email"),
                call("refuses malformed JSON", anon, "POST", "/api/v1/auth/register", "{\"email\":").status(400),
                call("refuses a body that is not a JSON object", anon, "POST", "/api/v1/auth/register", "[1,2]").status(422),
                call("refuses a body that is not JSON", anon, "POST", "/api/v1/auth/register", "email=a")
                        .contentType("application/x-www-form-urlencoded").status(415),
                call("refuses an empty body", anon, "POST", "/api/v1/auth/login", "").status(400),
                call("signs in", anon, "POST", "/api/v1/auth/login",
                        "{\"email\":\"${annEmail}\",\"password\":\"correct horse battery staple\"}")
                        .json("/user/id", "${annId}"),
                call("signs in at a path with a trailing slash", anon, "POST", "/api/v1/auth/login/",
                        "{\"email\":\"${annEmail}\",\"password\":\"correct horse battery staple\"}")
                        .json("/user/id", "${annId}").undocumented(),
                call("refuses a wrong password", anon, "POST", "/api/v1/auth/login",
                        "{\"email\":\"${annEmail}\",\"password\":\"wrong horse battery staple\"}")
                        .status(401).json("/detail", "email or password is wrong"),
                call("answers an unknown email exactly like a wrong password", anon, "POST", "/api/v1/auth/login",
                        "{\"email\":\"nobody-${unique}@example.org\",\"password\":\"correct horse battery staple\"}")
                        .status(401).json("/detail", "email or password is wrong"),
                call("trades a refresh token for a new pair", anon, "POST", "/api/v1/auth/refresh",
                        "{\"refreshToken\":\"${freshRefresh}\"}").json("/user/id", "${annId}"),
                call("refuses a refresh token used before", anon, "POST", "/api/v1/auth/refresh",
                        "{\"refreshToken\":\"${spentRefresh}\"}").status(401),
                call("refuses an unknown refresh token", anon, "POST", "/api/v1/auth/refresh",
                        "{\"refreshToken\":\"made-up\"}").status(401),
                call("signs out", anon, "POST", "/api/v1/auth/logout", "{\"refreshToken\":\"${freshRefresh}\"}").status(204),
                call("tells who is signed in", a, "GET", "/api/v1/me").json("/email", "${annEmail}"),
                call("refuses a request without a token", anon, "GET", "/api/v1/me").status(401),
                call("reports the caller's use of their quotas", a, "GET", "/api/v1/me/usage")
                        .json("/blobs/max", "100000000").json("/buckets/max", "100000000").json("/bytes/max", "10000000000"),
                call("refuses to report usage without a token", anon, "GET", "/api/v1/me/usage").status(401),

                // Processors
                call("lists the built-in processors", a, "GET", "/api/v1/processors")
                        .json("/items/0/name", "markdown").json("/items/1/name", "stats"),
                call("refuses the processor list without a token", anon, "GET", "/api/v1/processors").status(401),
                call("shows a processor's settings with its defaults", b, "GET", "/api/v1/processors/stats/settings")
                        .json("/enabled", "true").json("/config/wordsPerMinute", "230"),
                call("answers 404 for a processor that does not exist", a, "GET", "/api/v1/processors/nothing/settings").status(404),
                call("configures a processor", b, "PUT", "/api/v1/processors/stats/settings",
                        "{\"enabled\":true,\"config\":{\"wordsPerMinute\":300}}")
                        .json("/enabled", "true").json("/config/wordsPerMinute", "300"),
                call("refuses a configuration its settings schema does not allow", a, "PUT", "/api/v1/processors/stats/settings",
                        "{\"enabled\":true,\"config\":{\"wordsPerMinute\":5}}").status(422)
                        .json("/errors/0/pointer", "/config/wordsPerMinute"),
                call("refuses settings without enabled", a, "PUT", "/api/v1/processors/stats/settings", "{\"config\":{}}")
                        .status(422).json("/errors/0/pointer", "/enabled"),
                call("refuses settings for a processor that does not exist", a, "PUT", "/api/v1/processors/nothing/settings",
                        "{\"enabled\":false}").status(404),
                call("refuses settings that are not JSON", a, "PUT", "/api/v1/processors/stats/settings", "enabled=false")
                        .contentType("application/x-www-form-urlencoded").status(415),
                call("refuses settings that are not valid JSON", a, "PUT", "/api/v1/processors/stats/settings", "{\"enabled\":")
                        .status(400),
                call("refuses settings over the size limit", a, "PUT", "/api/v1/processors/stats/settings", tooLarge).status(413),
                call("lists the events a processor gave up on", a, "GET", "/api/v1/processors/markdown/dead-letters")
                        .json("/items", "[]").json("/nextCursor", "null"),
                call("answers 404 for the dead letters of a processor that does not exist", a, "GET",
                        "/api/v1/processors/nothing/dead-letters").status(404),
                call("refuses dead letters without a token", anon, "GET", "/api/v1/processors/markdown/dead-letters").status(401),
                call("refuses a forged token", anon, "GET", "/api/v1/me").header("Authorization", "Bearer ${forgedToken}").status(401),
                call("refuses a token that is not a JWT", anon, "GET", "/api/v1/me").header("Authorization", "Bearer abc").status(401),

                // Schemas
                call("creates a schema", a, "POST", "/api/v1/schemas",
                        "{\"id\":\"made-${unique}\",\"name\":\"Made\",\"schema\":{\"type\":\"object\"}}")
                        .status(201).json("/version", "1").json("/ownerId", "${annId}").events("schema.published"),
                call("refuses a schema document that is not JSON Schema", a, "POST", "/api/v1/schemas",
                        "{\"name\":\"Broken\",\"schema\":{\"type\":\"text\"}}").status(422).json("/errors/0/pointer", "/schema/type"),
                call("refuses a schema without a name", a, "POST", "/api/v1/schemas",
                        "{\"schema\":{}}").status(422).json("/errors/0/pointer", "/name"),
                call("refuses a taken schema id", b, "POST", "/api/v1/schemas",
                        "{\"id\":\"${schema}\",\"name\":\"Mine\",\"schema\":{}}").status(409),
                call("refuses to create a schema without signing in", anon, "POST", "/api/v1/schemas",
                        "{\"name\":\"X\",\"schema\":{}}").status(401),
                call("refuses a body over the size limit", a, "POST", "/api/v1/schemas", tooLarge).status(413),
                call("lists schemas", a, "GET", "/api/v1/schemas?limit=200"),
                call("reads the latest version of a schema", b, "GET", "/api/v1/schemas/${schema}")
                        .json("/id", "${schema}").json("/version", "1").json("/schema/required/0", "title"),
                call("answers 404 for an unknown schema", a, "GET", "/api/v1/schemas/none-${unique}").status(404),
                call("publishes a new version with a migration that keeps stored blobs valid", a, "POST",
                        "/api/v1/schemas/${schema}/versions", "{\"schema\":{\"type\":\"object\",\"required\":[\"title\",\"body\"]},"
                                + "\"migration\":[{\"op\":\"default\",\"path\":\"/body\",\"value\":\"\"}]}")
                        .status(201).json("/version", "2").json("/latestVersion", "2").events("schema.published"),
                call("refuses a version published by someone who does not own the schema", b, "POST",
                        "/api/v1/schemas/${schema}/versions", "{\"schema\":{}}").status(403),
                call("refuses a version of an unknown schema", a, "POST", "/api/v1/schemas/none-${unique}/versions",
                        "{\"schema\":{}}").status(404),
                call("refuses an invalid new version", a, "POST", "/api/v1/schemas/${schema}/versions",
                        "{\"schema\":{\"required\":\"title\"}}").status(422),
                call("refuses a migration that would leave stored blobs invalid", a, "POST", "/api/v1/schemas/${schema}/versions",
                        "{\"schema\":{\"required\":[\"title\"]},\"migration\":[{\"op\":\"remove\",\"path\":\"/title\"}]}")
                        .status(422).json("/errors/0/pointer", "/migration"),
                call("refuses a malformed migration", a, "POST", "/api/v1/schemas/${schema}/versions",
                        "{\"schema\":{},\"migration\":[{\"op\":\"rename\",\"path\":\"/title\"}]}")
                        .status(422).json("/errors/0/pointer", "/migration/0/op"),
                call("reads one version", a, "GET", "/api/v1/schemas/${schema}/versions/1").json("/version", "1"),
                call("answers 404 for a version that does not exist", a, "GET", "/api/v1/schemas/${schema}/versions/9").status(404),
                call("answers 404 for a version that is not a number", a, "GET", "/api/v1/schemas/${schema}/versions/abc").status(404),

                // Buckets
                call("creates a bucket", a, "POST", "/api/v1/buckets", "{\"name\":\"Projects ${unique}\"}")
                        .status(201).json("/parentId", "null").events("bucket.created"),
                call("creates a bucket inside another", a, "POST", "/api/v1/buckets", "{\"name\":\"Sub\",\"parentId\":\"${bucket}\"}")
                        .status(201).json("/parentId", "${bucket}").events("bucket.created"),
                call("refuses a parent the caller cannot see", a, "POST", "/api/v1/buckets",
                        "{\"name\":\"Sneaky\",\"parentId\":\"${bobBucket}\"}").status(422).json("/errors/0/pointer", "/parentId"),
                call("refuses a sibling with the same name", a, "POST", "/api/v1/buckets",
                        "{\"name\":\"Child\",\"parentId\":\"${bucket}\"}").status(409),
                call("refuses a bucket without a name", a, "POST", "/api/v1/buckets", "{\"name\":\"  \"}").status(422),
                call("lists top-level buckets", a, "GET", "/api/v1/buckets?limit=200"),
                call("lists the buckets inside one", a, "GET", "/api/v1/buckets?parentId=${bucket}")
                        .json("/items/0/id", "${child}").json("/nextCursor", "null"),
                call("answers 404 for the children of another user's bucket", a, "GET", "/api/v1/buckets?parentId=${bobBucket}")
                        .status(404),
                call("refuses a parentId that is not a UUID", a, "GET", "/api/v1/buckets?parentId=abc").status(422),
                call("reads a bucket", a, "GET", "/api/v1/buckets/${bucket}").json("/id", "${bucket}").json("/ownerId", "${annId}"),
                call("answers 404 for another user's bucket", a, "GET", "/api/v1/buckets/${bobBucket}").status(404),
                call("answers 404 for an id that is not a UUID", a, "GET", "/api/v1/buckets/abc").status(404),
                call("renames a bucket", a, "PATCH", "/api/v1/buckets/${bucket}", "{\"name\":\"Renamed\"}")
                        .json("/name", "Renamed").events("bucket.updated"),
                call("moves a bucket to the top level", a, "PATCH", "/api/v1/buckets/${child}", "{\"parentId\":null}")
                        .json("/parentId", "null").events("bucket.moved"),
                call("refuses to move a bucket into its own subtree", a, "PATCH", "/api/v1/buckets/${bucket}",
                        "{\"parentId\":\"${child}\"}").status(422).json("/errors/0/pointer", "/parentId"),
                call("answers 404 for changing another user's bucket", a, "PATCH", "/api/v1/buckets/${bobBucket}",
                        "{\"name\":\"Mine\"}").status(404),
                call("refuses a change that changes nothing", a, "PATCH", "/api/v1/buckets/${bucket}", "{}").status(422),
                call("refuses to delete a bucket that is not empty", a, "DELETE", "/api/v1/buckets/${bucket}").status(409),
                call("deletes a bucket with everything in it", a, "DELETE", "/api/v1/buckets/${bucket}?recursive=true")
                        .status(204).events("blob.deleted", "bucket.deleted", "bucket.deleted"),
                call("deletes an empty bucket", a, "DELETE", "/api/v1/buckets/${child}").status(204).events("bucket.deleted"),
                call("answers 404 for deleting another user's bucket", a, "DELETE", "/api/v1/buckets/${bobBucket}").status(404),
                call("lists the blobs of a bucket", a, "GET", "/api/v1/buckets/${bucket}/blobs")
                        .json("/items/0/id", "${blob}").json("/items/0/title", "First note"),
                call("refuses a page size out of range", a, "GET", "/api/v1/buckets/${bucket}/blobs?limit=0").status(422),
                call("refuses a cursor it did not issue", a, "GET", "/api/v1/buckets/${bucket}/blobs?cursor=bm9wZQ").status(422),
                call("answers 404 for the blobs of another user's bucket", a, "GET", "/api/v1/buckets/${bobBucket}/blobs").status(404),

                // Blobs
                call("creates a blob validated against the latest schema version", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"Hello\",\"body\":\"World\"}}")
                        .status(201).responseHeader("ETag", "\"1\"").json("/title", "Hello").json("/preview", "World")
                        .json("/schemaVersion", "1").json("/version", "1").events("blob.created"),
                call("refuses data that breaks the schema, one error per violation", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":7,\"count\":\"x\"}}")
                        .status(422).json("/errors/0/pointer", "/data/count").json("/errors/1/pointer", "/data/title"),
                call("refuses an unknown schema", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"none-${unique}\",\"data\":{}}").status(422).json("/errors/0/pointer", "/schemaId"),
                call("refuses an unknown schema version", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"${schema}\",\"schemaVersion\":5,\"data\":{\"title\":\"x\"}}")
                        .status(422).json("/errors/0/pointer", "/schemaVersion"),
                call("refuses a blob without data", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"${schema}\"}").status(422).json("/errors/0/pointer", "/data"),
                call("answers 404 for creating in another user's bucket", a, "POST", "/api/v1/buckets/${bobBucket}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"x\"}}").status(404),
                call("refuses a blob over the size limit", a, "POST", "/api/v1/buckets/${bucket}/blobs", tooLarge).status(413),
                call("reads a blob with its version as ETag", a, "GET", "/api/v1/blobs/${blob}")
                        .responseHeader("ETag", "\"1\"").json("/data/body", "Some text").json("/derived", "{}"),
                call("reads a blob at a version of its schema it can be read at", a, "GET", "/api/v1/blobs/${blob}?schemaVersion=1")
                        .json("/schemaVersion", "1").json("/storedSchemaVersion", "1"),
                call("refuses a schema version a blob cannot be read at", a, "GET", "/api/v1/blobs/${blob}?schemaVersion=9")
                        .status(422).json("/errors/0/pointer", "/schemaVersion"),
                call("answers 404 for another user's blob", a, "GET", "/api/v1/blobs/${bobBlob}").status(404),
                call("answers 404 for a blob that does not exist", a, "GET", "/api/v1/blobs/${unknownId}").status(404),
                call("replaces a blob at the version the writer saw", a, "PUT", "/api/v1/blobs/${blob}",
                        "{\"data\":{\"title\":\"Second\"}}").header("If-Match", "\"1\"")
                        .json("/version", "2").json("/title", "Second").events("blob.updated"),
                call("overwrites any version when told to", a, "PUT", "/api/v1/blobs/${blob}",
                        "{\"data\":{\"title\":\"Forced\"}}").header("If-Match", "*").json("/version", "2").events("blob.updated"),
                call("refuses a replacement based on a stale version", a, "PUT", "/api/v1/blobs/${blob}",
                        "{\"data\":{\"title\":\"Late\"}}").header("If-Match", "\"7\"").status(412),
                call("refuses a replacement based on a weak ETag", a, "PUT", "/api/v1/blobs/${blob}",
                        "{\"data\":{\"title\":\"Weak\"}}").header("If-Match", "W/\"1\"").status(412),
                call("refuses a replacement without If-Match", a, "PUT", "/api/v1/blobs/${blob}",
                        "{\"data\":{\"title\":\"Blind\"}}").status(428),
                call("refuses replacement data that breaks the schema", a, "PUT", "/api/v1/blobs/${blob}",
                        "{\"data\":{}}").header("If-Match", "\"1\"").status(422).json("/errors/0/pointer", "/data"),
                call("answers 404 for replacing another user's blob", a, "PUT", "/api/v1/blobs/${bobBlob}",
                        "{\"data\":{\"title\":\"Mine\"}}").header("If-Match", "\"1\"").status(404),
                call("applies a batch of operations in one transaction", a, "POST", "/api/v1/batch",
                        "{\"operations\":[{\"op\":\"create\",\"bucketId\":\"${bucket}\",\"schemaId\":\"${schema}\","
                                + "\"data\":{\"title\":\"Batched\"}},{\"op\":\"delete\",\"blobId\":\"${blob}\",\"ifMatch\":1}]}")
                        .json("/results/0/status", "201").json("/results/0/blob/title", "Batched").json("/results/1/status", "204")
                        .events("blob.created", "blob.deleted"),
                call("applies nothing of a batch when one operation fails", a, "POST", "/api/v1/batch",
                        "{\"operations\":[{\"op\":\"delete\",\"blobId\":\"${blob}\"},{\"op\":\"delete\",\"blobId\":\"${bobBlob}\"}]}")
                        .status(404).json("/failedIndex", "1").json("/results/0/status", "424"),
                call("refuses a malformed batch before applying any of it", a, "POST", "/api/v1/batch",
                        "{\"operations\":[{\"op\":\"delete\",\"blobId\":\"${blob}\"},{\"op\":\"update\",\"blobId\":\"${blob}\"}]}")
                        .status(422).json("/errors/0/pointer", "/operations/1/ifMatch"),
                call("deletes a blob", a, "DELETE", "/api/v1/blobs/${blob}").status(204).events("blob.deleted"),
                call("refuses a delete based on a stale version", a, "DELETE", "/api/v1/blobs/${blob}")
                        .header("If-Match", "\"3\"").status(412),
                call("answers 404 for deleting another user's blob", a, "DELETE", "/api/v1/blobs/${bobBlob}").status(404),
                call("moves a blob to another bucket", a, "PATCH", "/api/v1/blobs/${blob}", "{\"bucketId\":\"${child}\"}")
                        .responseHeader("ETag", "\"2\"").json("/bucketId", "${child}").json("/version", "2")
                        .json("/title", "First note").events("blob.moved"),
                call("refuses a move based on a stale version", a, "PATCH", "/api/v1/blobs/${blob}",
                        "{\"bucketId\":\"${child}\"}").header("If-Match", "\"7\"").status(412),
                call("refuses a move without a target bucket", a, "PATCH", "/api/v1/blobs/${blob}", "{}")
                        .status(422).json("/errors/0/pointer", "/bucketId"),
                call("refuses a move into a bucket the caller cannot see", a, "PATCH", "/api/v1/blobs/${blob}",
                        "{\"bucketId\":\"${bobBucket}\"}").status(422).json("/errors/0/pointer", "/bucketId"),
                call("answers 404 for moving another user's blob", a, "PATCH", "/api/v1/blobs/${bobBlob}",
                        "{\"bucketId\":\"${bucket}\"}").status(404),
                call("refuses to move a blob without signing in", anon, "PATCH", "/api/v1/blobs/${blob}",
                        "{\"bucketId\":\"${child}\"}").status(401),
                call("refuses a move body that is not JSON", a, "PATCH", "/api/v1/blobs/${blob}", "{bucketId").status(400),
                call("refuses a move body that is not sent as JSON", a, "PATCH", "/api/v1/blobs/${blob}", "bucketId=x")
                        .contentType("application/x-www-form-urlencoded").status(415),
                call("refuses a move body over the size limit", a, "PATCH", "/api/v1/blobs/${blob}", tooLarge).status(413),

                // Search
                call("finds blobs by the words of their titles, highlighted", a, "GET", "/api/v1/search?q=first&bucketId=${bucket}")
                        .json("/items/0/id", "${blob}").json("/items/0/highlights/title", "<mark>First</mark> note")
                        .json("/nextCursor", "null"),
                call("finds the blobs of a bucket shared with the caller", b, "GET", "/api/v1/search?q=shared&bucketId=${sharedRead}")
                        .json("/items/0/id", "${sharedReadBlob}"),
                call("refuses a search without words", a, "GET", "/api/v1/search?q=%20").status(422).json("/errors/0/pointer", "/q"),
                call("answers 404 for a search in another user's bucket", a, "GET", "/api/v1/search?q=x&bucketId=${bobBucket}")
                        .status(404),
                call("refuses a search without a token", anon, "GET", "/api/v1/search?q=x").status(401),

                // Attachments
                call("attaches a file sent as the raw body", a, "POST", "/api/v1/blobs/${blob}/attachments?filename=notes.txt",
                        "Hello, attachments!").contentType("text/plain")
                        .status(201).json("/blobId", "${blob}").json("/filename", "notes.txt").json("/contentType", "text/plain")
                        .json("/size", "19").json("/sha256", sha256Hex("Hello, attachments!")).events("attachment.added"),
                call("attaches a file named by Content-Disposition", a, "POST", "/api/v1/blobs/${blob}/attachments", "x")
                        .contentType("application/octet-stream").header("Content-Disposition", "attachment; filename*=UTF-8''na%C3%AFve.txt")
                        .status(201).json("/filename", "naïve.txt").json("/contentType", "application/octet-stream")
                        .events("attachment.added"),
                call("attaches the file of a multipart form, skipping its other fields", a, "POST", "/api/v1/blobs/${blob}/attachments",
                        "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nignored\r\n"
                                + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n"
                                + "not really a PNG\r\n--XyZ--\r\n")
                        .contentType("multipart/form-data; boundary=XyZ")
                        .status(201).json("/filename", "photo.png").json("/contentType", "image/png").json("/size", "16")
                        .events("attachment.added"),
                call("refuses a file without a name", a, "POST", "/api/v1/blobs/${blob}/attachments", "x")
                        .contentType("text/plain").status(422).json("/errors/0/pointer", "/filename"),
                call("refuses a file name that is a path", a, "POST", "/api/v1/blobs/${blob}/attachments?filename=..%2Fpasswd", "x")
                        .contentType("text/plain").status(422).json("/errors/0/pointer", "/filename"),
                call("refuses a content type that is not a media type", a, "POST", "/api/v1/blobs/${blob}/attachments?filename=a", "x")
                        .contentType("text").status(422).json("/errors/0/pointer", "/contentType"),
                call("refuses a multipart body without a boundary", a, "POST", "/api/v1/blobs/${blob}/attachments", "x")
                        .contentType("multipart/form-data").status(400),
                call("refuses a multipart body with two files", a, "POST", "/api/v1/blobs/${blob}/attachments",
                        "--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.txt\"\r\n\r\nA\r\n"
                                + "--b\r\nContent-Disposition: form-data; name=\"b\"; filename=\"b.txt\"\r\n\r\nB\r\n--b--\r\n")
                        .contentType("multipart/form-data; boundary=b").status(400),
                call("refuses a multipart body with no file in it", a, "POST", "/api/v1/blobs/${blob}/attachments",
                        "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--b--\r\n")
                        .contentType("multipart/form-data; boundary=b").status(422).json("/errors/0/pointer", "/file"),
                call("refuses a multipart body that ends inside the file", a, "POST", "/api/v1/blobs/${blob}/attachments",
                        "--b\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.txt\"\r\n\r\nthe file goes on and o")
                        .contentType("multipart/form-data; boundary=b").status(400),
                call("answers 404 for attaching to another user's blob", a, "POST", "/api/v1/blobs/${bobBlob}/attachments?filename=a",
                        "x").contentType("text/plain").status(404),
                call("refuses to attach a file without signing in", anon, "POST", "/api/v1/blobs/${blob}/attachments?filename=a", "x")
                        .contentType("text/plain").status(401),
                call("refuses to attach a file to a blob shared read-only", b, "POST",
                        "/api/v1/blobs/${sharedReadBlob}/attachments?filename=a", "x").contentType("text/plain").status(403),
                call("attaches a file to a blob shared for writing", b, "POST",
                        "/api/v1/blobs/${sharedWriteBlob}/attachments?filename=ours.txt", "ours").contentType("text/plain")
                        .status(201).json("/filename", "ours.txt").events("attachment.added"),
                call("lists the attachments of a blob", a, "GET", "/api/v1/blobs/${blob}/attachments")
                        .json("/items/0/id", "${attachment}").json("/items/0/sha256", "${attachmentSha}").json("/nextCursor", "null"),
                call("refuses a page size out of range for attachments", a, "GET", "/api/v1/blobs/${blob}/attachments?limit=0")
                        .status(422),
                call("answers 404 for the attachments of another user's blob", a, "GET", "/api/v1/blobs/${bobBlob}/attachments")
                        .status(404),
                call("downloads an attachment with its hash as ETag", a, "GET", "/api/v1/blobs/${blob}/attachments/${attachment}")
                        .responseHeader("ETag", "\"${attachmentSha}\"").responseHeader("Content-Length", "20")
                        .responseHeader("Accept-Ranges", "bytes").responseHeader("Content-Type", "text/plain")
                        .responseHeader("Content-Disposition", "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt"),
                call("downloads a range of an attachment", a, "GET", "/api/v1/blobs/${blob}/attachments/${attachment}")
                        .header("Range", "bytes=3-7").status(206).responseHeader("Content-Range", "bytes 3-7/20")
                        .responseHeader("Content-Length", "5"),
                call("answers 304 for a copy that is still current", a, "GET", "/api/v1/blobs/${blob}/attachments/${attachment}")
                        .header("If-None-Match", "\"${attachmentSha}\"").status(304),
                call("refuses a range beyond the end of the file", a, "GET", "/api/v1/blobs/${blob}/attachments/${attachment}")
                        .header("Range", "bytes=20-").status(416).responseHeader("Content-Range", "bytes */20"),
                call("answers 404 for an attachment of another blob", a, "GET", "/api/v1/blobs/${blob}/attachments/${bobAttachment}")
                        .status(404),
                call("answers 404 for an attachment id that is not a UUID", a, "GET", "/api/v1/blobs/${blob}/attachments/abc")
                        .status(404),
                call("reads an attachment of a blob shared with the caller", b, "GET",
                        "/api/v1/blobs/${sharedReadBlob}/attachments/${sharedReadAttachment}").responseHeader("Content-Length", "20"),
                call("refuses to delete an attachment of a blob shared read-only", b, "DELETE",
                        "/api/v1/blobs/${sharedReadBlob}/attachments/${sharedReadAttachment}").status(403),
                call("deletes an attachment", a, "DELETE", "/api/v1/blobs/${blob}/attachments/${attachment}")
                        .status(204).events("attachment.deleted"),
                call("answers 404 for deleting an attachment of another user's blob", a, "DELETE",
                        "/api/v1/blobs/${bobBlob}/attachments/${bobAttachment}").status(404),
                call("refuses to delete an attachment without signing in", anon, "DELETE",
                        "/api/v1/blobs/${blob}/attachments/${attachment}").status(401),
                call("lists the attachments of a blob through a link", anon, "GET", "/api/v1/public/${link}/blobs/${blob}/attachments")
                        .json("/items/0/id", "${attachment}"),
                call("downloads an attachment through a link", anon, "GET",
                        "/api/v1/public/${link}/blobs/${blob}/attachments/${attachment}")
                        .responseHeader("ETag", "\"${attachmentSha}\"").responseHeader("Content-Length", "20"),
                call("answers 404 for an attachment outside the linked subtree", anon, "GET",
                        "/api/v1/public/${childLink}/blobs/${blob}/attachments/${attachment}").status(404),
                call("answers 404 for the attachments of a blob outside the linked subtree", anon, "GET",
                        "/api/v1/public/${childLink}/blobs/${blob}/attachments").status(404),

                // Sharing a bucket with a user
                call("shares a bucket with another user", a, "POST", "/api/v1/buckets/${bucket}/shares",
                        "{\"email\":\"${bobEmail}\",\"access\":\"read\"}")
                        .status(201).responseHeader("Location", "/api/v1/buckets/${bucket}/shares/${bobId}")
                        .json("/userId", "${bobId}").json("/displayName", "bob").json("/access", "read").events("share.changed"),
                call("finds the user to share with whatever the case of the email", a, "POST", "/api/v1/buckets/${bucket}/shares",
                        "{\"email\":\"${bobEmailUpper}\",\"access\":\"write\"}")
                        .status(201).json("/email", "${bobEmail}").json("/access", "write").events("share.changed"),
                call("changes the access of a user the bucket is already shared with", a, "POST",
                        "/api/v1/buckets/${sharedRead}/shares", "{\"email\":\"${bobEmail}\",\"access\":\"write\"}")
                        .json("/userId", "${bobId}").json("/access", "write").events("share.changed"),
                call("refuses an access other than read or write", a, "POST", "/api/v1/buckets/${bucket}/shares",
                        "{\"email\":\"${bobEmail}\",\"access\":\"admin\"}").status(422).json("/errors/0/pointer", "/access"),
                call("refuses to share with an email no account has", a, "POST", "/api/v1/buckets/${bucket}/shares",
                        "{\"email\":\"nobody-${unique}@example.org\",\"access\":\"read\"}")
                        .status(422).json("/errors/0/pointer", "/email"),
                call("refuses to share a bucket with its own owner", a, "POST", "/api/v1/buckets/${bucket}/shares",
                        "{\"email\":\"${annEmail}\",\"access\":\"read\"}").status(422).json("/errors/0/pointer", "/email"),
                call("refuses sharing by a user the bucket is shared with, even for writing", b, "POST",
                        "/api/v1/buckets/${sharedWrite}/shares", "{\"email\":\"${annEmail}\",\"access\":\"read\"}").status(403),
                call("answers 404 for sharing another user's bucket", a, "POST", "/api/v1/buckets/${bobBucket}/shares",
                        "{\"email\":\"${bobEmail}\",\"access\":\"read\"}").status(404),
                call("refuses to share without signing in", anon, "POST", "/api/v1/buckets/${bucket}/shares",
                        "{\"email\":\"${bobEmail}\",\"access\":\"read\"}").status(401),
                call("refuses a share request that is not valid JSON", a, "POST", "/api/v1/buckets/${bucket}/shares",
                        "{\"email\":").status(400),
                call("refuses a share request that is not JSON", a, "POST", "/api/v1/buckets/${bucket}/shares", "email=a")
                        .contentType("application/x-www-form-urlencoded").status(415),
                call("refuses a share request over the size limit", a, "POST", "/api/v1/buckets/${bucket}/shares", tooLarge)
                        .status(413),
                call("lists who a bucket is shared with", a, "GET", "/api/v1/buckets/${sharedRead}/shares")
                        .json("/items/0/userId", "${bobId}").json("/items/0/access", "read").json("/nextCursor", "null"),
                call("lists only the shares of the bucket itself, not those of a bucket above", a, "GET",
                        "/api/v1/buckets/${sharedReadChild}/shares").json("/items", "[]"),
                call("refuses the shares of a bucket to a user it is shared with", b, "GET", "/api/v1/buckets/${sharedRead}/shares")
                        .status(403),
                call("answers 404 for the shares of another user's bucket", a, "GET", "/api/v1/buckets/${bobBucket}/shares")
                        .status(404),
                call("refuses the shares of a bucket without signing in", anon, "GET", "/api/v1/buckets/${bucket}/shares")
                        .status(401),
                call("revokes a share", a, "DELETE", "/api/v1/buckets/${sharedRead}/shares/${bobId}")
                        .status(204).events("share.revoked"),
                call("answers 404 for revoking a share that does not exist", a, "DELETE", "/api/v1/buckets/${bucket}/shares/${bobId}")
                        .status(404),
                call("answers 404 for revoking the share of a user id that is not a UUID", a, "DELETE",
                        "/api/v1/buckets/${sharedRead}/shares/abc").status(404),
                call("refuses a user the bucket is shared with revoking its shares", b, "DELETE",
                        "/api/v1/buckets/${sharedRead}/shares/${bobId}").status(403),
                call("answers 404 for revoking a share of another user's bucket", a, "DELETE",
                        "/api/v1/buckets/${bobBucket}/shares/${annId}").status(404),
                call("refuses to revoke a share without signing in", anon, "DELETE", "/api/v1/buckets/${sharedRead}/shares/${bobId}")
                        .status(401),
                call("lists the buckets shared with the caller", anon, "GET", "/api/v1/shared-with-me")
                        .header("Authorization", "Bearer ${shareeToken}")
                        .json("/items/0/bucket/id", "${bucket}").json("/items/0/ownerName", "ann").json("/items/0/access", "read")
                        .json("/nextCursor", "null"),
                call("refuses a page size out of range for the buckets shared with the caller", b, "GET",
                        "/api/v1/shared-with-me?limit=0").status(422),
                call("refuses the buckets shared with the caller without signing in", anon, "GET", "/api/v1/shared-with-me")
                        .status(401),

                // What a share lets its user do
                call("reads a bucket shared with the caller", b, "GET", "/api/v1/buckets/${sharedRead}")
                        .json("/id", "${sharedRead}").json("/ownerId", "${annId}"),
                call("reads a bucket below one shared with the caller", b, "GET", "/api/v1/buckets/${sharedReadChild}")
                        .json("/parentId", "${sharedRead}"),
                call("lists the buckets inside a bucket shared with the caller", b, "GET", "/api/v1/buckets?parentId=${sharedRead}")
                        .json("/items/0/id", "${sharedReadChild}").json("/nextCursor", "null"),
                call("lists the blobs of a bucket shared with the caller", b, "GET", "/api/v1/buckets/${sharedRead}/blobs")
                        .json("/items/0/id", "${sharedReadBlob}").json("/items/0/title", "Shared note"),
                call("reads a blob in a bucket shared with the caller", b, "GET", "/api/v1/blobs/${sharedReadBlob}")
                        .responseHeader("ETag", "\"1\"").json("/data/title", "Shared note"),
                call("answers 404 for a bucket whose share was revoked", b, "GET", "/api/v1/buckets/${unshared}").status(404),
                call("refuses a bucket inside one shared read-only", b, "POST", "/api/v1/buckets",
                        "{\"name\":\"Mine\",\"parentId\":\"${sharedRead}\"}").status(403),
                call("creates a bucket inside one shared for writing, owned by the owner of the shared one", b, "POST",
                        "/api/v1/buckets", "{\"name\":\"Ours\",\"parentId\":\"${sharedWrite}\"}")
                        .status(201).json("/ownerId", "${annId}").json("/parentId", "${sharedWrite}").events("bucket.created"),
                call("refuses a blob in a bucket shared read-only", b, "POST", "/api/v1/buckets/${sharedRead}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"Mine\"}}").status(403),
                call("creates a blob in a bucket shared for writing", b, "POST", "/api/v1/buckets/${sharedWrite}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"Ours\"}}")
                        .status(201).json("/bucketId", "${sharedWrite}").events("blob.created"),
                call("refuses to replace a blob shared read-only", b, "PUT", "/api/v1/blobs/${sharedReadBlob}",
                        "{\"data\":{\"title\":\"Mine\"}}").header("If-Match", "\"1\"").status(403),
                call("replaces a blob shared for writing", b, "PUT", "/api/v1/blobs/${sharedWriteBlob}",
                        "{\"data\":{\"title\":\"Ours\"}}").header("If-Match", "\"1\"")
                        .json("/version", "2").json("/title", "Ours").events("blob.updated"),
                call("refuses to delete a blob shared read-only", b, "DELETE", "/api/v1/blobs/${sharedReadBlob}").status(403),
                call("deletes a blob shared for writing", b, "DELETE", "/api/v1/blobs/${sharedWriteBlob}")
                        .status(204).events("blob.deleted"),
                call("refuses to move a blob shared read-only", b, "PATCH", "/api/v1/blobs/${sharedReadBlob}",
                        "{\"bucketId\":\"${sharedReadChild}\"}").status(403),
                call("moves a blob within a bucket shared for writing", b, "PATCH", "/api/v1/blobs/${sharedWriteBlob}",
                        "{\"bucketId\":\"${sharedWriteChild}\"}").json("/bucketId", "${sharedWriteChild}").events("blob.moved"),
                call("refuses to rename a bucket shared read-only", b, "PATCH", "/api/v1/buckets/${sharedReadChild}",
                        "{\"name\":\"Mine\"}").status(403),
                call("refuses to rename the very bucket that was shared, even for writing", b, "PATCH",
                        "/api/v1/buckets/${sharedWrite}", "{\"name\":\"Mine\"}").status(403),
                call("renames a bucket below one shared for writing", b, "PATCH", "/api/v1/buckets/${sharedWriteChild}",
                        "{\"name\":\"Renamed\"}").json("/name", "Renamed").events("bucket.updated"),
                call("refuses to move a bucket of a shared tree to the top level", b, "PATCH", "/api/v1/buckets/${sharedWriteChild}",
                        "{\"parentId\":null}").status(403),
                call("refuses to move a bucket of a shared tree among the caller's own", b, "PATCH",
                        "/api/v1/buckets/${sharedWriteChild}", "{\"parentId\":\"${bobBucket}\"}")
                        .status(422).json("/errors/0/pointer", "/parentId"),
                call("refuses to delete a bucket shared read-only", b, "DELETE", "/api/v1/buckets/${sharedReadChild}").status(403),
                call("refuses to delete the very bucket that was shared, even for writing", b, "DELETE",
                        "/api/v1/buckets/${sharedWrite}").status(403),
                call("deletes a bucket below one shared for writing", b, "DELETE", "/api/v1/buckets/${sharedWriteChild}")
                        .status(204).events("bucket.deleted"),

                // Public links
                call("makes a public link to a bucket", a, "POST", "/api/v1/buckets/${bucket}/links", "{}")
                        .status(201).json("/bucketId", "${bucket}").json("/expiresAt", "null"),
                call("makes a public link that expires", a, "POST", "/api/v1/buckets/${bucket}/links",
                        "{\"expiresAt\":\"2999-01-31T12:00:00Z\"}").status(201).json("/expiresAt", "2999-01-31T12:00:00Z"),
                call("refuses a link that expires in the past", a, "POST", "/api/v1/buckets/${bucket}/links",
                        "{\"expiresAt\":\"2020-01-01T00:00:00Z\"}").status(422).json("/errors/0/pointer", "/expiresAt"),
                call("refuses an expiry that is not a date-time", a, "POST", "/api/v1/buckets/${bucket}/links",
                        "{\"expiresAt\":\"tomorrow\"}").status(422).json("/errors/0/pointer", "/expiresAt"),
                call("refuses an expiry beyond what can be stored", a, "POST", "/api/v1/buckets/${bucket}/links",
                        "{\"expiresAt\":\"+300000-01-01T00:00:00Z\"}").status(422).json("/errors/0/pointer", "/expiresAt"),
                call("makes a link that never expires when sent no body at all", a, "POST", "/api/v1/buckets/${bucket}/links")
                        .status(201).json("/expiresAt", "null"),
                call("refuses a link made by a user the bucket is shared with, even for writing", b, "POST",
                        "/api/v1/buckets/${sharedWrite}/links", "{}").status(403),
                call("answers 404 for a link to another user's bucket", a, "POST", "/api/v1/buckets/${bobBucket}/links", "{}")
                        .status(404),
                call("refuses to make a link without signing in", anon, "POST", "/api/v1/buckets/${bucket}/links", "{}").status(401),
                call("refuses a link request without a body", a, "POST", "/api/v1/buckets/${bucket}/links", "").status(400),
                call("refuses a link request that is not JSON", a, "POST", "/api/v1/buckets/${bucket}/links", "expiresAt=never")
                        .contentType("application/x-www-form-urlencoded").status(415),
                call("refuses a link request over the size limit", a, "POST", "/api/v1/buckets/${bucket}/links", tooLarge)
                        .status(413),
                call("lists the links to a bucket without their tokens", a, "GET", "/api/v1/buckets/${bucket}/links")
                        .json("/items/0/id", "${linkId}").json("/nextCursor", "null"),
                call("refuses the links of a bucket to a user it is shared with", b, "GET", "/api/v1/buckets/${sharedRead}/links")
                        .status(403),
                call("answers 404 for the links of another user's bucket", a, "GET", "/api/v1/buckets/${bobBucket}/links")
                        .status(404),
                call("refuses the links of a bucket without signing in", anon, "GET", "/api/v1/buckets/${bucket}/links").status(401),
                call("revokes a link named by its token", a, "DELETE", "/api/v1/buckets/${bucket}/links/${link}").status(204),
                call("revokes a link named by its id", a, "DELETE", "/api/v1/buckets/${bucket}/links/${linkId}").status(204),
                call("answers 404 for revoking a link of another bucket", a, "DELETE", "/api/v1/buckets/${child}/links/${link}")
                        .status(404),
                call("refuses a user the bucket is shared with revoking its links", b, "DELETE",
                        "/api/v1/buckets/${sharedRead}/links/made-up").status(403),
                call("answers 404 for revoking a link of another user's bucket", a, "DELETE",
                        "/api/v1/buckets/${bobBucket}/links/made-up").status(404),
                call("refuses to revoke a link without signing in", anon, "DELETE", "/api/v1/buckets/${bucket}/links/${link}")
                        .status(401),

                // Reading through a public link, without an account
                call("opens the bucket a public link leads to", anon, "GET", "/api/v1/public/${link}")
                        .json("/id", "${bucket}").json("/ownerId", "${annId}"),
                call("answers 404 for a token no link has", anon, "GET", "/api/v1/public/made-up-${unique}").status(404),
                call("answers 404 for an expired link", anon, "GET", "/api/v1/public/${expiredLink}").status(404),
                call("answers 404 for a revoked link", anon, "GET", "/api/v1/public/${revokedLink}").status(404),
                call("lists the buckets inside the linked bucket", anon, "GET", "/api/v1/public/${link}/buckets")
                        .json("/items/0/id", "${child}").json("/nextCursor", "null"),
                call("lists the buckets under one below the linked bucket", anon, "GET",
                        "/api/v1/public/${link}/buckets?parentId=${child}").json("/items", "[]"),
                call("answers 404 for listing buckets outside the linked subtree", anon, "GET",
                        "/api/v1/public/${childLink}/buckets?parentId=${bucket}").status(404),
                call("refuses a parentId that is not a UUID through a link", anon, "GET",
                        "/api/v1/public/${link}/buckets?parentId=abc").status(422),
                call("reads a bucket below the linked one", anon, "GET", "/api/v1/public/${link}/buckets/${child}")
                        .json("/id", "${child}").json("/parentId", "${bucket}"),
                call("answers 404 for the bucket above the linked one", anon, "GET", "/api/v1/public/${childLink}/buckets/${bucket}")
                        .status(404),
                call("answers 404 for another user's bucket through a link", anon, "GET",
                        "/api/v1/public/${link}/buckets/${bobBucket}").status(404),
                call("lists the blobs of a bucket through a link", anon, "GET", "/api/v1/public/${link}/buckets/${bucket}/blobs")
                        .json("/items/0/id", "${blob}").json("/items/0/title", "First note"),
                call("answers 404 for the blobs of a bucket outside the linked subtree", anon, "GET",
                        "/api/v1/public/${childLink}/buckets/${bucket}/blobs").status(404),
                call("refuses a page size out of range through a link", anon, "GET",
                        "/api/v1/public/${link}/buckets/${bucket}/blobs?limit=0").status(422),
                call("reads a blob through a link", anon, "GET", "/api/v1/public/${link}/blobs/${blob}")
                        .responseHeader("ETag", "\"1\"").json("/data/title", "First note"),
                call("answers 404 for a blob outside the linked subtree", anon, "GET", "/api/v1/public/${childLink}/blobs/${blob}")
                        .status(404),
                call("answers 405 for a write through a public link", anon, "PUT", "/api/v1/public/${link}/blobs/${blob}",
                        "{\"data\":{\"title\":\"Defaced\"}}").status(405).undocumented(),

                // Input no client should be able to turn into a 500
                call("refuses a member given twice", a, "POST", "/api/v1/buckets", "{\"name\":\"a\",\"name\":\"b\"}").status(400),
                call("refuses JSON nested too deeply", a, "POST", "/api/v1/buckets",
                        "{\"name\":" + "[".repeat(300) + "]".repeat(300) + "}").status(400),
                call("refuses the NUL character, which PostgreSQL cannot store", a, "POST", "/api/v1/buckets",
                        "{\"name\":\"a\\u0000b\"}").status(422).json("/errors/0/pointer", "/name"),
                call("refuses a number PostgreSQL cannot store", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"x\",\"ratio\":1e1000000}}")
                        .status(422).json("/errors/0/pointer", "/data/ratio"),
                call("keeps numbers exactly as written", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"x\",\"ratio\":0.1000000000000000000001}}")
                        .status(201).json("/data/ratio", "0.1000000000000000000001").events("blob.created"),
                call("refuses an unpaired UTF-16 surrogate, which PostgreSQL would replace", a, "POST", "/api/v1/buckets",
                        "{\"name\":\"a\\ud800b\"}").status(422).json("/errors/0/pointer", "/name"),
                call("refuses a number that would be written out with more than 1000 digits", a, "POST",
                        "/api/v1/buckets/${bucket}/blobs", "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"x\",\"ratio\":1e1000}}")
                        .status(422).json("/errors/0/pointer", "/data/ratio"),
                call("keeps a number written out with 1000 digits", a, "POST", "/api/v1/buckets/${bucket}/blobs",
                        "{\"schemaId\":\"${schema}\",\"data\":{\"title\":\"x\",\"ratio\":1e999}}")
                        .status(201).json("/data/ratio", "1" + "0".repeat(999)).events("blob.created"),
                call("refuses a cursor that decodes to a control character", a, "GET", "/api/v1/schemas?cursor=AA").status(422),
                call("refuses a dialect that is not a string", a, "POST", "/api/v1/schemas",
                        "{\"name\":\"D\",\"schema\":{\"$schema\":{}}}").status(422).json("/errors/0/pointer", "/schema/$schema"),
                call("refuses a sign-up body larger than sign-up needs", anon, "POST", "/api/v1/auth/register",
                        "{\"email\":\"" + "a".repeat(20_000) + "@example.org\",\"password\":\"a long passphrase\"}").status(413),
                call("answers a malformed URI with a problem", a, "GET", "/api/v1/blobs/%00").status(400).undocumented(),

                // Export and import
                call("exports a bucket's subtree as one document, schemas and buckets first", a, "GET", "/api/v1/export?bucketId=${bucket}")
                        .json("/format", "reyna-export").json("/version", "1").json("/schemas/0/id", "${schema}")
                        .json("/buckets/0/name", "Inbox ${unique}").json("/buckets/0/parentId", "null")
                        .json("/buckets/1/name", "Child").json("/blobs/0/data/title", "First note")
                        .responseHeader("Reyna-Export-Counts", "schemaVersions=1, buckets=2, blobs=1, attachments=0"),
                call("refuses an attachments switch that is neither true nor false", a, "GET", "/api/v1/export?attachments=yes")
                        .status(422).json("/errors/0/pointer", "/attachments"),
                call("answers 404 for exporting another user's bucket", a, "GET", "/api/v1/export?bucketId=${bobBucket}").status(404),
                call("refuses to export without signing in", anon, "GET", "/api/v1/export").status(401),
                call("imports an export into a bucket, with one event per item it creates", a, "POST", "/api/v1/import?bucketId=${child}",
                        importDocument("{\"title\":\"Imported\"}"))
                        .json("/created/buckets", "1").json("/created/blobs", "1").json("/existing/schemaVersions", "1")
                        .events("bucket.created", "blob.created"),
                call("refuses an import whose blob breaks its schema, naming it by pointer, and imports nothing", a, "POST",
                        "/api/v1/import?bucketId=${child}", importDocument("{\"title\":17}"))
                        .status(422).json("/errors/0/pointer", "/blobs/0/data/title"),
                call("refuses an import that is not JSON", a, "POST", "/api/v1/import?bucketId=${child}", "{\"format\":")
                        .status(400),
                call("refuses an import of another media type", a, "POST", "/api/v1/import?bucketId=${child}", "x")
                        .contentType("text/plain").status(415),
                call("answers 404 for importing into another user's bucket", a, "POST", "/api/v1/import?bucketId=${bobBucket}",
                        importDocument("{\"title\":\"Imported\"}")).status(404),
                call("refuses an import into a bucket shared read-only", b, "POST", "/api/v1/import?bucketId=${sharedRead}",
                        importDocument("{\"title\":\"Imported\"}")).status(403),

                // The rest of the surface
                call("answers 404 as a problem for an unknown API path", a, "GET", "/api/v1/nothing-here").status(404).undocumented(),
                call("answers 405 as a problem for a wrong method", a, "PUT", "/api/v1/me", "{}").status(405).undocumented(),
                call("reports itself alive", anon, "GET", "/health/live").json("/status", "up"),
                call("reports itself ready", anon, "GET", "/health/ready").json("/status", "up")
                        .json("/checks/database/status", "up").json("/checks/migrations/status", "up"),
                call("serves its OpenAPI document", anon, "GET", "/openapi.json").json("/openapi", "3.1.0"),
                call("serves the start page", anon, "GET", "/").undocumented());
    }

    /** An export of one bucket holding one blob of the world's schema with {@code data}. */
    private static String importDocument(String data) {
        return """
                {"format":"reyna-export","version":1,
                 "schemas":[{"id":"${schema}","name":"Note","versions":[{"version":1,"document":%s}]}],
                 "buckets":[{"id":"0190a0b0-0000-7000-8000-000000000001","parentId":null,"name":"Imported",
                             "createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}],
                 "blobs":[{"id":"0190a0b0-0000-7000-8000-000000000002","bucketId":"0190a0b0-0000-7000-8000-000000000001",
                           "schemaId":"${schema}","schemaVersion":1,"data":%s,
                           "createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}],
                 "attachments":[]}""".formatted(NOTE_SCHEMA, data);
    }

    @TestFactory
    Stream<DynamicTest> every_endpoint_answers_as_documented() {
        var tests = new ArrayList<DynamicTest>();
        for (var scenario : table()) {
            tests.add(DynamicTest.dynamicTest(scenario.name(), () -> run(scenario)));
        }
        tests.add(DynamicTest.dynamicTest("every documented operation is in the table",
                () -> assertThat(CONTRACT.notExercised()).isEmpty()));
        return tests.stream();
    }

    private void run(Scenario scenario) {
        var world = World.create();
        Function<String, String> fill = text -> text == null ? null : world.fill(text);
        // Every placeholder is filled before the cursor is read: making what one names (a share, a
        // link) may write events of its own, which are not the scenario's.
        var headers = new HashMap<String, String>();
        scenario.headers().forEach((k, v) -> headers.put(k, fill.apply(v)));
        String path = fill.apply(scenario.path());
        String body = fill.apply(scenario.body());
        var expectedJson = new LinkedHashMap<String, String>();
        scenario.json().forEach((pointer, expected) -> expectedJson.put(pointer, fill.apply(expected)));
        var expectedHeaders = new LinkedHashMap<String, String>();
        scenario.responseHeaders().forEach((header, expected) -> expectedHeaders.put(header, fill.apply(expected)));
        String token = switch (scenario.actor()) {
            case ANN -> ANN.get("accessToken").asString();
            case BOB -> BOB.get("accessToken").asString();
            case ANONYMOUS -> null;
        };
        long before = latestCursor();
        var response = API.call(scenario.method(), path, headers.containsKey("Authorization") ? null : token,
                scenario.contentType(), body, headers);

        assertThat(response.status()).as("status of %s %s: %s", scenario.method(), scenario.path(), response.text())
                .isEqualTo(scenario.status());
        expectedJson.forEach((pointer, expected) -> {
            JsonNode node = response.json().at(pointer);
            String actual = node.isNull() ? "null" : node.isContainer() ? node.toString() : node.asString();
            assertThat(actual).as("%s in %s", pointer, response.text()).isEqualTo(expected);
        });
        expectedHeaders.forEach((header, expected) ->
                assertThat(response.header(header)).as("response header %s", header).isEqualTo(expected));
        if (response.status() >= 400) {
            assertThat(response.contentType()).startsWith("application/problem+json");
            assertThat(response.json().get("status").asInt()).isEqualTo(response.status());
        }
        assertThat(eventsSince(before)).as("events written").isEqualTo(scenario.events());
        if (scenario.documented()) {
            assertThat(CONTRACT.check(scenario.method(), path, response))
                    .as("conformance to openapi.json").isEmpty();
        }
    }

    private static long latestCursor() {
        return DB.withHandle(h -> h.createQuery("select coalesce(max(write_seq), 0) from events").mapTo(Long.class).one());
    }

    private static List<String> eventsSince(long cursor) {
        return DB.withHandle(h -> h.createQuery("""
                        select type from events where write_seq > :cursor and owner_id in (:ann, :bob)
                          and type <> 'blob.derived' order by write_seq""")
                .bind("cursor", cursor)
                .bind("ann", UUID.fromString(ANN.at("/user/id").asString()))
                .bind("bob", UUID.fromString(BOB.at("/user/id").asString()))
                .mapTo(String.class).list());
    }

    /** The objects a scenario talks about, made fresh for it, and lazily the tokens it needs. */
    private static final class World {
        private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(\\w+)}");
        private final Map<String, String> values = new HashMap<>();

        static World create() {
            var world = new World();
            String unique = UUID.randomUUID().toString().substring(0, 8);
            String ann = ANN.get("accessToken").asString();
            String bob = BOB.get("accessToken").asString();
            String schema = "note-" + unique;
            expect(API.post("/api/v1/schemas", ann, Api.JSON.readTree(
                    "{\"id\":\"" + schema + "\",\"name\":\"Note\",\"schema\":" + NOTE_SCHEMA + "}")), 201);
            String bucket = id(expect(API.post("/api/v1/buckets", ann, Map.of("name", "Inbox " + unique)), 201));
            String child = id(expect(API.post("/api/v1/buckets", ann, Map.of("name", "Child", "parentId", bucket)), 201));
            String blob = id(expect(API.post("/api/v1/buckets/" + bucket + "/blobs", ann, Api.JSON.readTree(
                    "{\"schemaId\":\"" + schema + "\",\"data\":{\"title\":\"First note\",\"body\":\"Some text\"}}")), 201));
            String bobBucket = id(expect(API.post("/api/v1/buckets", bob, Map.of("name", "Private " + unique)), 201));
            String bobBlob = id(expect(API.post("/api/v1/buckets/" + bobBucket + "/blobs", bob, Api.JSON.readTree(
                    "{\"schemaId\":\"" + schema + "\",\"data\":{\"title\":\"Bob's\"}}")), 201));
            world.values.putAll(Map.of("unique", unique, "schema", schema, "bucket", bucket, "child", child, "blob", blob,
                    "bobBucket", bobBucket, "bobBlob", bobBlob, "unknownId", UUID.randomUUID().toString(),
                    "annId", ANN.at("/user/id").asString(), "annEmail", ANN.at("/user/email").asString()));
            world.values.put("annEmailUpper", ANN.at("/user/email").asString().toUpperCase(java.util.Locale.ROOT));
            world.values.put("bobId", BOB.at("/user/id").asString());
            world.values.put("bobEmail", BOB.at("/user/email").asString());
            world.values.put("bobEmailUpper", BOB.at("/user/email").asString().toUpperCase(java.util.Locale.ROOT));
            return world;
        }

        String fill(String text) {
            Matcher m = PLACEHOLDER.matcher(text);
            var out = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1))));
            }
            m.appendTail(out);
            return out.toString();
        }

        private String value(String name) {
            if (!values.containsKey(name)) {
                make(name);
            }
            return values.get(name);
        }

        /** Makes what a placeholder names, with what comes with it, the first time a scenario asks for it. */
        private void make(String name) {
            switch (name) {
                case "freshRefresh" -> values.put(name, login().get("refreshToken").asString());
                case "spentRefresh" -> {
                    String spent = login().get("refreshToken").asString();
                    expect(API.post("/api/v1/auth/refresh", null, Map.of("refreshToken", spent)), 200);
                    values.put(name, spent);
                }
                case "forgedToken" -> values.put(name, forge(ANN.get("accessToken").asString()));
                case "sharedRead", "sharedReadChild", "sharedReadBlob" -> sharedWithBob("sharedRead", "read");
                case "sharedWrite", "sharedWriteChild", "sharedWriteBlob" -> sharedWithBob("sharedWrite", "write");
                case "unshared" -> {
                    String bucket = id(expect(API.post("/api/v1/buckets", annToken(),
                            Map.of("name", "Once shared " + value("unique"))), 201));
                    share(bucket, value("bobEmail"), "read");
                    expect(API.call("DELETE", "/api/v1/buckets/" + bucket + "/shares/" + value("bobId"), annToken(), null,
                            null, Map.of()), 204);
                    values.put(name, bucket);
                }
                case "link", "linkId" -> {
                    var link = newLink(value("bucket"));
                    values.put("link", link.get("token").asString());
                    values.put("linkId", id(link));
                }
                case "childLink" -> values.put(name, newLink(value("child")).get("token").asString());
                case "attachment" -> values.put(name, attach(value("blob"), annToken()));
                case "attachmentSha" -> values.put(name, sha256Hex(ATTACHED));
                case "bobAttachment" -> values.put(name, attach(value("bobBlob"), BOB.get("accessToken").asString()));
                case "sharedReadAttachment" -> values.put(name, attach(value("sharedReadBlob"), annToken()));
                case "expiredLink" -> {
                    var link = newLink(value("bucket"));
                    DB.useHandle(h -> h.createUpdate("update public_links set expires_at = now() - interval '1 minute' where id = :id")
                            .bind("id", UUID.fromString(id(link))).execute());
                    values.put(name, link.get("token").asString());
                }
                case "revokedLink" -> {
                    var link = newLink(value("bucket"));
                    expect(API.call("DELETE", "/api/v1/buckets/" + value("bucket") + "/links/" + id(link), annToken(), null,
                            null, Map.of()), 204);
                    values.put(name, link.get("token").asString());
                }
                case "shareeToken" -> {
                    var sharee = API.register("sharee");
                    share(value("bucket"), sharee.at("/user/email").asString(), "read");
                    values.put(name, sharee.get("accessToken").asString());
                }
                default -> throw new IllegalArgumentException("no placeholder " + name);
            }
        }

        /**
         * A bucket of Ann's shared with Bob, with a bucket and a blob inside: {@code ${name}},
         * {@code ${nameChild}} and {@code ${nameBlob}}.
         */
        private void sharedWithBob(String name, String access) {
            String ann = annToken();
            String bucket = id(expect(API.post("/api/v1/buckets", ann, Map.of("name", name + " " + value("unique"))), 201));
            String child = id(expect(API.post("/api/v1/buckets", ann, Map.of("name", "Inside", "parentId", bucket)), 201));
            String blob = id(expect(API.post("/api/v1/buckets/" + bucket + "/blobs", ann, Api.JSON.readTree(
                    "{\"schemaId\":\"" + value("schema") + "\",\"data\":{\"title\":\"Shared note\"}}")), 201));
            share(bucket, value("bobEmail"), access);
            values.put(name, bucket);
            values.put(name + "Child", child);
            values.put(name + "Blob", blob);
        }

        private static void share(String bucketId, String email, String access) {
            expect(API.post("/api/v1/buckets/" + bucketId + "/shares", annToken(), Map.of("email", email, "access", access)), 201);
        }

        /** Attaches {@link #ATTACHED} to a blob as notes.txt; its id. */
        private static String attach(String blobId, String token) {
            return id(expect(API.call("POST", "/api/v1/blobs/" + blobId + "/attachments?filename=notes.txt", token, "text/plain",
                    ATTACHED, Map.of()), 201));
        }

        /** A new public link of Ann's to the bucket: its id and its token. */
        private static JsonNode newLink(String bucketId) {
            return expect(API.post("/api/v1/buckets/" + bucketId + "/links", annToken(), Map.of()), 201);
        }

        private static String annToken() {
            return ANN.get("accessToken").asString();
        }

        private static JsonNode login() {
            return expect(API.post("/api/v1/auth/login", null, Map.of("email", ANN.at("/user/email").asString(),
                    "password", "correct horse battery staple")), 200);
        }

        /** The same claims with the subject changed: the signature no longer matches. */
        private static String forge(String token) {
            String[] parts = token.split("\\.");
            var decoder = java.util.Base64.getUrlDecoder();
            var encoder = java.util.Base64.getUrlEncoder().withoutPadding();
            String claims = new String(decoder.decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8)
                    .replace(ANN.at("/user/id").asString(), BOB.at("/user/id").asString());
            return parts[0] + "." + encoder.encodeToString(claims.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
        }

        private static JsonNode expect(Api.Response response, int status) {
            if (response.status() != status) {
                throw new AssertionError("setting up the world: expected " + status + ", got " + response.status() + " "
                        + response.text());
            }
            return response.json();
        }

        private static String id(JsonNode node) {
            return node.get("id").asString();
        }
    }
}
