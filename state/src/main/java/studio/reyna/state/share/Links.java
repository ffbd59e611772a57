package studio.reyna.state.share;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.Ids;
import studio.reyna.core.secret.Secrets;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.state.access.AccessPolicy;
import studio.reyna.state.access.Principal;

/**
 * Public read-only links. A token is 32 random bytes (256 bits, URL-safe base64); only its SHA-256
 * hash is stored, so the database does not hold a usable link. An expired or revoked link, and a
 * token that never existed, all answer 404 alike.
 */
public final class Links {
    /** Tokens are 43 characters; anything far from that is not worth hashing. */
    private static final int MAX_TOKEN_LENGTH = 128;

    private final Jdbi jdbi;
    private final AccessPolicy access;
    private final Ids ids;
    private final Clock clock;

    public Links(Jdbi jdbi, AccessPolicy access, Ids ids, Clock clock) {
        this.jdbi = jdbi;
        this.access = access;
        this.ids = ids;
        this.clock = clock;
    }

    /** A new link to {@code bucketId}'s subtree; the returned link carries its token, the only time it is known. */
    public Link create(UUID callerId, UUID bucketId, Instant expiresAt) {
        if (expiresAt != null && !expiresAt.isAfter(clock.instant())) {
            throw ValidationException.of("/expiresAt", "expiresAt must be in the future");
        }
        String token = Secrets.newToken();
        return jdbi.inTransaction(h -> {
            access.requireOwner(h, Principal.user(callerId), bucketId, AccessPolicy.Lock.KEEP);
            return h.createQuery("""
                            insert into public_links (id, bucket_id, token_hash, expires_at) values (:id, :bucket, :hash, :expires)
                            returning id, bucket_id, expires_at, created_at""")
                    .bind("id", ids.next()).bind("bucket", bucketId).bind("hash", Secrets.sha256(token))
                    .bind("expires", expiresAt == null ? null : java.sql.Timestamp.from(expiresAt))
                    .map((rs, ctx) -> link(rs, token)).one();
        });
    }

    /** The links to {@code bucketId} (without their tokens), oldest first. */
    public List<Link> list(UUID callerId, UUID bucketId) {
        return jdbi.withHandle(h -> {
            access.requireOwner(h, Principal.user(callerId), bucketId, AccessPolicy.Lock.NONE);
            return h.createQuery("select id, bucket_id, expires_at, created_at from public_links where bucket_id = :bucket order by id")
                    .bind("bucket", bucketId).map((rs, ctx) -> link(rs, null)).list();
        });
    }

    /** Revokes a link of {@code bucketId}, named by its token or by its id. */
    public void revoke(UUID callerId, UUID bucketId, String tokenOrId) {
        jdbi.useTransaction(h -> {
            access.requireOwner(h, Principal.user(callerId), bucketId, AccessPolicy.Lock.NONE);
            UUID id = asUuid(tokenOrId);
            int deleted = h.createUpdate("delete from public_links where bucket_id = :bucket and (token_hash = :hash or id = :id)")
                    .bind("bucket", bucketId).bind("hash", Secrets.sha256(tokenOrId)).bind("id", id).execute();
            if (deleted == 0) {
                throw new NotFoundException("bucket " + bucketId + " has no such link");
            }
        });
    }

    /** Who holds {@code token}: a principal reading the link's bucket subtree; 404 when it is unknown, expired or revoked. */
    public Principal resolve(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            throw new NotFoundException("there is no such link");
        }
        return jdbi.withHandle(h -> h.createQuery("""
                        select bucket_id from public_links
                        where token_hash = :hash and (expires_at is null or expires_at > :now)""")
                .bind("hash", Secrets.sha256(token)).bind("now", java.sql.Timestamp.from(clock.instant()))
                .mapTo(UUID.class).findOne()
                .map(Principal::link)
                .orElseThrow(() -> new NotFoundException("there is no such link")));
    }

    private static Link link(java.sql.ResultSet rs, String token) throws java.sql.SQLException {
        var expires = rs.getTimestamp("expires_at");
        return new Link(rs.getObject("id", UUID.class), rs.getObject("bucket_id", UUID.class), token,
                expires == null ? null : expires.toInstant(), rs.getTimestamp("created_at").toInstant());
    }

    private static UUID asUuid(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
