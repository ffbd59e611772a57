package studio.reyna.state.search;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.page.Page;
import studio.reyna.core.page.PageRequest;
import studio.reyna.core.problem.UnavailableException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;

/**
 * Full-text search over the titles and previews of the blobs a user may read: their own, and
 * those in buckets shared with them (with everything below). PostgreSQL does the work (V16: a
 * weighted {@code tsvector} per blob, one GIN index with the owner and the bucket beside the
 * words); see docs/search.md for the query language, ranking and highlights.
 *
 * <p>Shares are read from the database on every search, never from a cache: a revoked share hides
 * its blobs from the next search on every node.
 */
public final class Search {
    /** How many results a page holds when the request does not say; a search box shows a screenful. */
    public static final int DEFAULT_LIMIT = 20;
    private static final Pattern SCHEMA_ID = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,63}$");
    /** A search that takes longer than this is stopped: its pooled connection is needed by others. */
    private static final String STATEMENT_TIMEOUT = "5s";
    /** How many words a last word may begin and still be searched as those words, exactly (see {@link #tsquery}). */
    private static final int PREFIX_WORDS = 100;
    /** Marks PostgreSQL puts around matches; taken out of the text first, turned into {@code <mark>} after escaping. */
    private static final char MARK_START = '\u0002';
    private static final char MARK_END = '\u0003';

    /** The query, bound once as text (PostgreSQL wrote it, so it parses) and used as a constant. */
    private static final String QUERY = "cast(:query as tsquery)";
    /**
     * The rank: weights of the D, C, B and A parts of a blob's vector for {@code ts_rank}. Preview
     * words (B) count a tenth of title words (A), so a title hit ranks above preview hits.
     */
    private static final String RANK = "ts_rank('{0, 0, 0.1, 1}'::real[], b.search, " + QUERY + ")";

    private final Jdbi jdbi;
    private final AccessPolicy access;

    public Search(Jdbi jdbi, AccessPolicy access) {
        this.jdbi = jdbi;
        this.access = access;
    }

    /** What to look for and where: {@code bucketId} (its subtree) and {@code schemaId} may be null. */
    public record Request(String q, UUID bucketId, String schemaId) {
    }

    /**
     * One page of the blobs {@code callerId} may read that match, best first. 422 for a blank or
     * too long {@code q}, a query that only excludes words, or a malformed {@code schemaId}; 404
     * for a {@code bucketId} the caller cannot see.
     */
    public Page<SearchHit> search(UUID callerId, Request request, PageRequest page) {
        var query = SearchQuery.parse(request.q());
        if (request.schemaId() != null && !SCHEMA_ID.matcher(request.schemaId()).matches()) {
            throw ValidationException.of("/schemaId", "no schema has the id '" + request.schemaId() + "'");
        }
        var after = Cursor.of(page.after());
        return jdbi.inTransaction(h -> {
            // A plan for this query's words, never a generic one: how many rows a word matches ranges
            // from none to all of them, and the plan that is right for one is wrong for the other.
            h.execute("select set_config('statement_timeout', ?, true), set_config('plan_cache_mode', 'force_custom_plan', true)",
                    STATEMENT_TIMEOUT);
            String tsquery = tsquery(h, query);
            if (tsquery == null) {
                return new Page<>(List.of(), null);
            }
            try {
                var rows = find(h, callerId, request, tsquery, after, page.limit() + 1);
                var found = page.page(rows, Row::key);
                return new Page<>(found.items().stream().map(Row::hit).toList(), found.nextCursor());
            } catch (RuntimeException e) {
                if (isCancelled(e)) {
                    throw new UnavailableException("the search took too long; add words or narrow it with bucketId or schemaId", 1);
                }
                throw e;
            }
        });
    }

    /**
     * The query as PostgreSQL's text form of a {@code tsquery}: the words in web-search syntax, with
     * the last word in its place as the words it begins (for each of its parts: "e-mai" gives the
     * words beginning with 'e-mai', 'e' and 'mai'). Those words are looked up in
     * {@code search_words} and searched exactly; a part that begins more than {@link #PREFIX_WORDS}
     * words is searched as a prefix ({@code 'p':*}), slower but complete, and a one-letter part
     * as it is. Null when the query holds no word at all (only punctuation, say); 422 when it only
     * excludes words, which would match nearly everything.
     */
    private static String tsquery(Handle h, SearchQuery query) {
        var parsed = h.createQuery("""
                        with expanded as (
                            select string_agg(case
                                when length(part.lexeme) < 2 then search_quote(part.lexeme)
                                else coalesce((select '(' || string_agg(search_quote(w.word), ' | ') || ')'
                                               from (select word from search_words
                                                     where word >= part.lexeme and word < part.lexeme || chr(1114111)
                                                     order by word limit :most + 1) w
                                               having count(*) <= :most),
                                              search_quote(part.lexeme) || ':*') end, ' & ') as text
                            from unnest(to_tsvector('reyna_search', :prefix)) part)
                        select q::text as text, numnode(q) as nodes, querytree(q) as indexed from (
                            select ts_rewrite(websearch_to_tsquery('reyna_search', :words), cast(:placeholder as tsquery),
                                              coalesce(cast(expanded.text as tsquery), ''::tsquery)) as q
                            from expanded) parsed""")
                .bind("words", query.words()).bind("placeholder", SearchQuery.PLACEHOLDER)
                .bind("prefix", query.prefix() == null ? "" : query.prefix()).bind("most", PREFIX_WORDS)
                .map((rs, ctx) -> new Parsed(rs.getString("text"), rs.getInt("nodes"), rs.getString("indexed")))
                .one();
        if (parsed.nodes() == 0) {
            return null;
        }
        if (parsed.indexed().equals("T")) {
            throw ValidationException.of("/q", "q needs a word to look for, not only words to leave out (-word)");
        }
        return parsed.text();
    }

    private record Parsed(String text, int nodes, String indexed) {
    }

    private List<Row> find(Handle h, UUID callerId, Request request, String tsquery, Cursor after, int limit) {
        String scope;
        UUID owner = null;
        UUID[] buckets;
        if (request.bucketId() != null) {
            // 404 like every route for a bucket the caller cannot see; what it can see, it sees whole.
            owner = access.requireRead(h, Principal.user(callerId), request.bucketId(), AccessPolicy.Lock.NONE).ownerId();
            buckets = subtree(h, List.of(request.bucketId()));
            scope = "b.owner_id = :owner and b.bucket_id = any(:buckets)";
        } else {
            buckets = subtree(h, h.createQuery("select bucket_id from bucket_shares where user_id = :me")
                    .bind("me", callerId).mapTo(UUID.class).list());
            scope = buckets.length == 0 ? "b.owner_id = :me" : "(b.owner_id = :me or b.bucket_id = any(:buckets))";
        }
        String sql = """
                select r.*,
                       ts_headline('reyna_search', translate(r.title, :marks, '  '), %1$s, :options) as title_marked,
                       ts_headline('reyna_search', translate(r.preview, :marks, '  '), %1$s, :options) as preview_marked
                from (select b.id, b.bucket_id, b.schema_id, b.schema_version, b.version, b.title, b.preview,
                             b.created_at, b.updated_at, %2$s as rank
                      from blobs b
                      where b.search @@ %1$s and %3$s%4$s%5$s
                      order by rank desc, b.id desc
                      limit :limit) r
                order by r.rank desc, r.id desc""".formatted(QUERY, RANK, scope,
                request.schemaId() == null ? "" : " and b.schema_id = :schemaId",
                after == null ? "" : " and (" + RANK + ", b.id) < (cast(:afterRank as real), :afterId)");
        var statement = h.createQuery(sql)
                .bind("query", tsquery).bind("me", callerId).bind("owner", owner).bind("buckets", buckets)
                .bind("schemaId", request.schemaId()).bind("limit", limit)
                .bind("marks", "" + MARK_START + MARK_END)
                .bind("options", "HighlightAll=true, StartSel=" + MARK_START + ", StopSel=" + MARK_END);
        if (after != null) {
            statement.bind("afterRank", after.rank()).bind("afterId", after.id());
        }
        return statement.map((rs, ctx) -> new Row(new SearchHit(rs.getObject("id", UUID.class),
                        rs.getObject("bucket_id", UUID.class), rs.getString("schema_id"), rs.getInt("schema_version"),
                        rs.getLong("version"), rs.getString("title"), rs.getString("preview"),
                        rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant(),
                        new SearchHit.Highlights(marked(rs.getString("title_marked")), marked(rs.getString("preview_marked")))),
                        rs.getFloat("rank")))
                .list();
    }

    /** The buckets {@code roots} and every bucket below them. */
    private static UUID[] subtree(Handle h, List<UUID> roots) {
        if (roots.isEmpty()) {
            return new UUID[0];
        }
        return h.createQuery("""
                        with recursive tree as (
                            select id from buckets where id = any(:roots)
                            union
                            select b.id from buckets b join tree on b.parent_id = tree.id)
                        select id from tree""")
                .bind("roots", roots.toArray(UUID[]::new)).mapTo(UUID.class).list().toArray(UUID[]::new);
    }

    /** The text HTML-escaped, with PostgreSQL's marks turned into {@code <mark>} elements. */
    static String marked(String headline) {
        var out = new StringBuilder(headline.length() + 32);
        for (int i = 0; i < headline.length(); i++) {
            char c = headline.charAt(i);
            switch (c) {
                case MARK_START -> out.append("<mark>");
                case MARK_END -> out.append("</mark>");
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isCancelled(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLException sql && "57014".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** A result with its rank: the page's order, and the cursor's key. */
    private record Row(SearchHit hit, float rank) {
        /** The rank's exact bits and the id: the next page starts right after this row. */
        String key() {
            return Integer.toHexString(Float.floatToIntBits(rank)) + "|" + hit.id();
        }
    }

    /** Where the previous page ended: the rank and id of its last row. */
    private record Cursor(float rank, UUID id) {
        static Cursor of(String key) {
            if (key == null) {
                return null;
            }
            try {
                int bar = key.indexOf('|');
                float rank = Float.intBitsToFloat(Integer.parseUnsignedInt(key.substring(0, bar), 16));
                if (Float.isNaN(rank) || rank < 0) {
                    throw new IllegalArgumentException("not a rank");
                }
                return new Cursor(rank, UUID.fromString(key.substring(bar + 1)));
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw ValidationException.of("/cursor", "cursor is not one this server issued for this search");
            }
        }
    }
}
