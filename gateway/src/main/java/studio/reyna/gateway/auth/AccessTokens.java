package studio.reyna.gateway.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;

/**
 * Short-lived ES256 access tokens. The signing key comes from the environment when the operator
 * supplies one; otherwise the first node to start generates it and stores it in the database, so
 * every node signs and verifies with the same key.
 */
public final class AccessTokens {
    static final String ISSUER = "reyna";
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    private static final int VERIFIED_CACHE_SIZE = 10_000;

    private final ECKey signingKey;
    private final ECDSASigner signer;
    private final Map<String, ECDSAVerifier> verifiers = new HashMap<>();
    /**
     * Tokens whose signature was verified already. An ES256 check costs about a millisecond of
     * CPU, more than the rest of a small write; a client sends the same token with every request
     * for its whole life, so each is checked once. Only verified tokens are kept, under their
     * exact text, until they expire.
     */
    private final Cache<String, Verified> verified;
    private final Clock clock;
    private final Duration lifetime;

    private AccessTokens(ECKey signingKey, Iterable<ECKey> verificationKeys, Clock clock, Duration lifetime) {
        try {
            this.signingKey = signingKey;
            this.signer = new ECDSASigner(signingKey);
            for (ECKey key : verificationKeys) {
                verifiers.put(key.getKeyID(), new ECDSAVerifier(key.toPublicJWK()));
            }
            verifiers.put(signingKey.getKeyID(), new ECDSAVerifier(signingKey.toPublicJWK()));
        } catch (JOSEException e) {
            throw new IllegalStateException("the JWT signing key is not a usable P-256 key", e);
        }
        this.clock = clock;
        this.lifetime = lifetime;
        this.verified = Caffeine.newBuilder().maximumSize(VERIFIED_CACHE_SIZE)
                .expireAfter(Expiry.<String, Verified>creating((token, proof) ->
                        Duration.between(clock.instant(), proof.expiresAt().plus(CLOCK_SKEW))))
                .build();
    }

    /**
     * Uses {@code configuredJwk} (a private EC P-256 JWK) when given, and then trusts only it: an
     * operator who sets a key because the stored one leaked must not keep accepting tokens signed
     * with the old one. Otherwise the newest key stored in the database signs and every stored key
     * verifies; the very first start generates and stores one.
     */
    public static AccessTokens load(Jdbi jdbi, String configuredJwk, Clock clock, Duration lifetime) {
        var stored = jdbi.inTransaction(h -> {
            // Nodes starting at once must agree on one key: the first one in generates it.
            h.execute("select pg_advisory_xact_lock(hashtextextended('reyna.signing_keys', 17))");
            var keys = h.createQuery("select jwk::text from signing_keys order by created_at desc")
                    .mapTo(String.class).list();
            if (keys.isEmpty() && configuredJwk == null) {
                ECKey generated = generate();
                h.createUpdate("insert into signing_keys (kid, jwk) values (:kid, cast(:jwk as jsonb))")
                        .bind("kid", generated.getKeyID()).bind("jwk", generated.toJSONString()).execute();
                return java.util.List.of(generated.toJSONString());
            }
            return keys;
        });
        if (configuredJwk != null) {
            ECKey configured = parse(configuredJwk);
            if (!configured.isPrivate()) {
                throw new IllegalStateException("REYNA_JWT_KEY must be a private EC P-256 JWK (with \"d\")");
            }
            return new AccessTokens(configured, java.util.List.of(), clock, lifetime);
        }
        var parsed = stored.stream().map(AccessTokens::parse).toList();
        return new AccessTokens(parsed.getFirst(), parsed, clock, lifetime);
    }

    public Duration lifetime() {
        return lifetime;
    }

    public String issue(UUID userId) {
        Instant now = clock.instant();
        var claims = new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .subject(userId.toString())
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)))
                .jwtID(UUID.randomUUID().toString())
                .build();
        var jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(signingKey.getKeyID()).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("could not sign an access token", e);
        }
        return jwt.serialize();
    }

    /** The verified token's user and expiry; empty for anything forged, expired or malformed. */
    public Optional<Verified> verify(String token) {
        var known = verified.getIfPresent(token);
        if (known != null) {
            if (known.expiresAt().plus(CLOCK_SKEW).isBefore(clock.instant())) {
                verified.invalidate(token);
                return Optional.empty();
            }
            return Optional.of(known);
        }
        var proof = verifySignatureAndClaims(token);
        proof.ifPresent(p -> verified.put(token, p));
        return proof;
    }

    private Optional<Verified> verifySignatureAndClaims(String token) {
        try {
            var jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
                return Optional.empty();
            }
            var verifier = verifiers.get(jwt.getHeader().getKeyID());
            if (verifier == null || !jwt.verify(verifier)) {
                return Optional.empty();
            }
            var claims = jwt.getJWTClaimsSet();
            Date expires = claims.getExpirationTime();
            if (!ISSUER.equals(claims.getIssuer()) || expires == null
                    || expires.toInstant().plus(CLOCK_SKEW).isBefore(clock.instant())) {
                return Optional.empty();
            }
            return Optional.of(new Verified(UUID.fromString(claims.getSubject()), expires.toInstant()));
        } catch (ParseException | JOSEException | IllegalArgumentException | NullPointerException e) {
            return Optional.empty();
        }
    }

    /** A user proven by a valid access token, and when that proof expires. */
    public record Verified(UUID userId, Instant expiresAt) {
    }

    private static ECKey generate() {
        try {
            return new ECKeyGenerator(Curve.P_256).keyID(UUID.randomUUID().toString()).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException("could not generate a signing key", e);
        }
    }

    private static ECKey parse(String jwk) {
        try {
            var key = ECKey.parse(jwk);
            if (!Curve.P_256.equals(key.getCurve())) {
                throw new IllegalStateException("the JWT signing key must be on curve P-256");
            }
            if (key.getKeyID() == null) {
                key = new ECKey.Builder(key).keyIDFromThumbprint().build();
            }
            return key;
        } catch (ParseException | JOSEException e) {
            throw new IllegalStateException("the JWT signing key is not a valid EC JWK: " + e.getMessage(), e);
        }
    }
}
