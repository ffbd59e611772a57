package studio.reyna.gateway.auth;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import studio.reyna.core.Ids;
import studio.reyna.core.secret.Secrets;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.NotFoundException;
import studio.reyna.core.problem.UnauthorizedException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.db.SqlErrors;

/**
 * Sign-up, sign-in and sessions. A session is a short-lived access token plus an opaque refresh
 * token that rotates on every use; a refresh token used twice means it leaked, so its whole family
 * (every token descended from that sign-in) is revoked.
 */
public final class Accounts {
    static final int MIN_PASSWORD = 10;
    private static final int MAX_PASSWORD = 1024;
    private static final String WRONG_CREDENTIALS = "email or password is wrong";

    private final Jdbi jdbi;
    private final PasswordHasher hasher;
    private final AccessTokens accessTokens;
    private final Ids ids;
    private final Clock clock;
    private final Duration refreshLifetime;
    /** Checked against when the email is unknown, so both failures take the same time. */
    private final String decoyHash;

    public Accounts(Jdbi jdbi, AccessTokens accessTokens, Ids ids, Clock clock, Duration refreshLifetime) {
        this(jdbi, new PasswordHasher(), accessTokens, ids, clock, refreshLifetime);
    }

    Accounts(Jdbi jdbi, PasswordHasher hasher, AccessTokens accessTokens, Ids ids, Clock clock, Duration refreshLifetime) {
        this.jdbi = jdbi;
        this.hasher = hasher;
        this.accessTokens = accessTokens;
        this.ids = ids;
        this.clock = clock;
        this.refreshLifetime = refreshLifetime;
        this.decoyHash = hasher.hash(UUID.randomUUID().toString());
    }

    public Session register(String email, String password, String displayName) {
        var problems = new ArrayList<FieldError>();
        String cleanEmail = email == null ? "" : email.strip();
        if (!looksLikeEmail(cleanEmail)) {
            problems.add(new FieldError("/email", "email must be an address like name@example.org"));
        }
        if (password == null || password.length() < MIN_PASSWORD) {
            problems.add(new FieldError("/password", "password must have at least " + MIN_PASSWORD + " characters"));
        } else if (password.length() > MAX_PASSWORD) {
            problems.add(new FieldError("/password", "password must have at most " + MAX_PASSWORD + " characters"));
        } else if (password.chars().distinct().count() < 4 || password.equalsIgnoreCase(cleanEmail)) {
            problems.add(new FieldError("/password", "password is too easy to guess"));
        }
        String name = displayName == null || displayName.isBlank() ? cleanEmail.split("@")[0] : displayName.strip();
        if (name.length() > 200) {
            problems.add(new FieldError("/displayName", "displayName must be at most 200 characters"));
        }
        if (!problems.isEmpty()) {
            throw new ValidationException("the account cannot be created", problems);
        }
        String hash = hasher.hash(password);
        try {
            return jdbi.inTransaction(h -> {
                var user = h.createQuery("""
                                insert into users (id, email, display_name, password_hash) values (:id, :email, :name, :hash)
                                returning id, email, display_name, created_at""")
                        .bind("id", ids.next()).bind("email", cleanEmail).bind("name", name).bind("hash", hash)
                        .map((rs, ctx) -> new User(rs.getObject("id", UUID.class), rs.getString("email"),
                                rs.getString("display_name"), rs.getTimestamp("created_at").toInstant()))
                        .one();
                return startSession(h, user, UUID.randomUUID());
            });
        } catch (RuntimeException e) {
            if (SqlErrors.isUniqueViolation(e)) {
                throw new ConflictException("an account with this email already exists");
            }
            throw e;
        }
    }

    /** Signs in; an unknown email and a wrong password get the same answer in the same time. */
    public Session login(String email, String password) {
        if (email == null || password == null) {
            throw new UnauthorizedException(WRONG_CREDENTIALS);
        }
        var found = jdbi.withHandle(h -> h.createQuery("""
                        select id, email, display_name, created_at, password_hash from users where lower(email) = lower(:email)""")
                .bind("email", email.strip())
                .map((rs, ctx) -> new Object[] {new User(rs.getObject("id", UUID.class), rs.getString("email"),
                        rs.getString("display_name"), rs.getTimestamp("created_at").toInstant()), rs.getString("password_hash")})
                .findOne());
        String hash = found.map(row -> (String) row[1]).orElse(decoyHash);
        boolean matches = hasher.matches(password, hash);
        if (found.isEmpty() || !matches) {
            throw new UnauthorizedException(WRONG_CREDENTIALS);
        }
        User user = (User) found.get()[0];
        return jdbi.inTransaction(h -> startSession(h, user, UUID.randomUUID()));
    }

    /** Trades a refresh token for a new pair; the old token is spent. */
    public Session refresh(String refreshToken) {
        if (refreshToken == null || refreshToken.isBlank()) {
            throw new UnauthorizedException("refresh token is invalid or expired");
        }
        byte[] hash = Secrets.sha256(refreshToken);
        // A refused refresh returns null rather than throwing, so that a family revocation still commits.
        var outcome = jdbi.inTransaction(h -> {
            if (!lockFamilyOf(h, hash)) {
                return null;
            }
            var row = h.createQuery("""
                            select family_id, user_id, used_at is not null as used, revoked_at is not null as revoked,
                                   expires_at < now() as expired
                            from refresh_tokens where token_hash = :hash for update""")
                    .bind("hash", hash)
                    .map((rs, ctx) -> new TokenRow(rs.getObject("family_id", UUID.class), rs.getObject("user_id", UUID.class),
                            rs.getBoolean("used"), rs.getBoolean("revoked"), rs.getBoolean("expired")))
                    .findOne().orElse(null);
            if (row == null || row.revoked() || row.expired()) {
                return null;
            }
            if (row.used()) {
                revokeFamily(h, row.familyId());
                return null;
            }
            h.createUpdate("update refresh_tokens set used_at = now() where token_hash = :hash").bind("hash", hash).execute();
            return startSession(h, user(h, row.userId()), row.familyId());
        });
        if (outcome == null) {
            throw new UnauthorizedException("refresh token is invalid or expired");
        }
        return outcome;
    }

    /** Ends the session the refresh token belongs to (its whole family). Unknown tokens are ignored. */
    public void logout(String refreshToken) {
        if (refreshToken == null || refreshToken.isBlank()) {
            return;
        }
        jdbi.useTransaction(h -> h.createQuery("select family_id from refresh_tokens where token_hash = :hash")
                .bind("hash", Secrets.sha256(refreshToken)).mapTo(UUID.class).findOne()
                .ifPresent(family -> {
                    lockFamily(h, family);
                    revokeFamily(h, family);
                }));
    }

    /**
     * Serialises everything done to one token family (refresh, revocation): without it, a revocation
     * could miss the successor token a concurrent refresh is inserting. False for an unknown token.
     */
    private static boolean lockFamilyOf(Handle h, byte[] tokenHash) {
        var family = h.createQuery("select family_id from refresh_tokens where token_hash = :hash")
                .bind("hash", tokenHash).mapTo(UUID.class).findOne();
        family.ifPresent(id -> lockFamily(h, id));
        return family.isPresent();
    }

    private static void lockFamily(Handle h, UUID familyId) {
        h.execute("select pg_advisory_xact_lock(hashtextextended(cast(? as text), 29))", familyId);
    }

    /**
     * name@domain.tld, checked by hand in linear time: a regular expression here would run on
     * anything an anonymous client sends.
     */
    static boolean looksLikeEmail(String email) {
        if (email.length() > 320) {
            return false;
        }
        int at = email.indexOf('@');
        if (at < 1 || at > 64 || at != email.lastIndexOf('@')) {
            return false;
        }
        String domain = email.substring(at + 1);
        int dot = domain.lastIndexOf('.');
        return dot > 0 && dot < domain.length() - 1 && !domain.startsWith(".")
                && email.chars().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c));
    }

    public User user(UUID userId) {
        return jdbi.withHandle(h -> user(h, userId));
    }

    private User user(Handle h, UUID userId) {
        return h.createQuery("select id, email, display_name, created_at from users where id = :id")
                .bind("id", userId)
                .map((rs, ctx) -> new User(rs.getObject("id", UUID.class), rs.getString("email"),
                        rs.getString("display_name"), rs.getTimestamp("created_at").toInstant()))
                .findOne().orElseThrow(() -> new NotFoundException("there is no user " + userId));
    }

    private Session startSession(Handle h, User user, UUID familyId) {
        String refreshToken = Secrets.newToken();
        h.createUpdate("""
                        insert into refresh_tokens (token_hash, family_id, user_id, expires_at)
                        values (:hash, :family, :user, :expires)""")
                .bind("hash", Secrets.sha256(refreshToken)).bind("family", familyId).bind("user", user.id())
                .bind("expires", Timestamp.from(clock.instant().plus(refreshLifetime)))
                .execute();
        return new Session(user, accessTokens.issue(user.id()), refreshToken, accessTokens.lifetime().toSeconds(), "Bearer");
    }

    private static void revokeFamily(Handle h, UUID familyId) {
        h.createUpdate("update refresh_tokens set revoked_at = now() where family_id = :family and revoked_at is null")
                .bind("family", familyId).execute();
    }

    private record TokenRow(UUID familyId, UUID userId, boolean used, boolean revoked, boolean expired) {
    }
}
