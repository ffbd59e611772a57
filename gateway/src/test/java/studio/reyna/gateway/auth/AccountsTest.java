package studio.reyna.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import studio.reyna.core.Ids;
import studio.reyna.core.problem.ConflictException;
import studio.reyna.core.problem.FieldError;
import studio.reyna.core.problem.UnauthorizedException;
import studio.reyna.core.problem.ValidationException;
import studio.reyna.db.TestDatabase;

class AccountsTest {
    private static final String PASSWORD = "correct horse battery staple";
    private final Jdbi jdbi = TestDatabase.shared().jdbi();
    private final Clock clock = Clock.systemUTC();
    private final AccessTokens tokens = AccessTokens.load(jdbi, null, clock, Duration.ofMinutes(15));
    private final Accounts accounts = new Accounts(jdbi, new PasswordHasher(1024, 1), tokens, new Ids(clock), clock,
            Duration.ofDays(30));

    private static String email() {
        return "user-" + UUID.randomUUID() + "@example.org";
    }

    @Test
    void registering_signs_in_with_a_verifiable_access_token() {
        var session = accounts.register(email(), PASSWORD, "Ann");
        assertThat(tokens.verify(session.accessToken())).get()
                .extracting(AccessTokens.Verified::userId).isEqualTo(session.user().id());
        assertThat(session.expiresIn()).isEqualTo(900);
        assertThat(accounts.user(session.user().id()).displayName()).isEqualTo("Ann");
    }

    @Test
    void the_display_name_defaults_to_the_start_of_the_email() {
        String email = email();
        assertThat(accounts.register(email, PASSWORD, " ").user().displayName()).isEqualTo(email.split("@")[0]);
    }

    @Test
    void refuses_duplicate_emails_regardless_of_case() {
        String email = email();
        accounts.register(email, PASSWORD, "A");
        assertThatThrownBy(() -> accounts.register(email.toUpperCase(), PASSWORD, "B")).isInstanceOf(ConflictException.class);
    }

    @Test
    void refuses_weak_passwords_and_names_each_bad_field() {
        assertThatThrownBy(() -> accounts.register("nope", "aaaaaaaaaaaa", null))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).containsExactly("/email", "/password"));
        assertThatThrownBy(() -> accounts.register(email(), "x".repeat(1025), null)).isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> accounts.register(email(), null, "x".repeat(201)))
                .isInstanceOfSatisfying(ValidationException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::pointer).containsExactly("/password", "/displayName"));
    }

    @Test
    void a_refresh_token_works_once_and_its_reuse_revokes_the_whole_family() {
        String email = email();
        accounts.register(email, PASSWORD, null);
        var login = accounts.login(email, PASSWORD);
        var second = accounts.refresh(login.refreshToken());
        assertThat(second.refreshToken()).isNotEqualTo(login.refreshToken());

        assertThatThrownBy(() -> accounts.refresh(login.refreshToken())).isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> accounts.refresh(second.refreshToken()))
                .as("the token issued after the stolen one is revoked too").isInstanceOf(UnauthorizedException.class);
        assertThat(accounts.refresh(accounts.login(email, PASSWORD).refreshToken()).user().email())
                .as("another sign-in is unaffected").isEqualTo(email);
    }

    @Test
    void a_reuse_racing_a_refresh_never_leaves_a_live_token_in_the_family() throws Exception {
        String email = email();
        accounts.register(email, PASSWORD, null);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 20; round++) {
                String spent = accounts.login(email, PASSWORD).refreshToken();
                String live = accounts.refresh(spent).refreshToken();
                var barrier = new java.util.concurrent.CyclicBarrier(2);
                var attacker = pool.submit(() -> {
                    barrier.await();
                    return accounts.refresh(live).refreshToken();
                });
                var victim = pool.submit(() -> {
                    barrier.await();
                    return accounts.refresh(spent).refreshToken();
                });
                assertThatThrownBy(victim::get).hasCauseInstanceOf(UnauthorizedException.class);
                String successor;
                try {
                    successor = attacker.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(UnauthorizedException.class);
                    continue;
                }
                assertThatThrownBy(() -> accounts.refresh(successor)).as("round %d", round)
                        .isInstanceOf(UnauthorizedException.class);
            }
        }
    }

    @Test
    void checks_email_addresses_in_linear_time() {
        assertThat(Accounts.looksLikeEmail("ann@example.org")).isTrue();
        assertThat(Accounts.looksLikeEmail("ann@localhost")).isFalse();
        assertThat(Accounts.looksLikeEmail("a@b@example.org")).isFalse();
        assertThat(Accounts.looksLikeEmail("@example.org")).isFalse();
        assertThat(Accounts.looksLikeEmail("ann@example.")).isFalse();
        assertThat(Accounts.looksLikeEmail("ann smith@example.org")).isFalse();
        assertThat(Accounts.looksLikeEmail("a@" + "a.".repeat(200_000) + " x")).isFalse();
    }

    @Test
    void logging_out_ends_the_session_and_ignores_unknown_tokens() {
        String email = email();
        var session = accounts.register(email, PASSWORD, null);
        accounts.logout(session.refreshToken());
        accounts.logout("not-a-token");
        accounts.logout(null);
        assertThatThrownBy(() -> accounts.refresh(session.refreshToken())).isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> accounts.refresh(" ")).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void an_expired_refresh_token_is_refused() {
        var past = Clock.fixed(Instant.now().minus(Duration.ofDays(31)), ZoneOffset.UTC);
        var oldAccounts = new Accounts(jdbi, new PasswordHasher(1024, 1), tokens, new Ids(past), past, Duration.ofDays(30));
        var session = oldAccounts.register(email(), PASSWORD, null);
        assertThatThrownBy(() -> accounts.refresh(session.refreshToken())).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void wrong_password_and_unknown_email_fail_alike() {
        String email = email();
        accounts.register(email, PASSWORD, null);
        assertThatThrownBy(() -> accounts.login(email, "wrong password!")).isInstanceOf(UnauthorizedException.class)
                .hasMessage("email or password is wrong");
        assertThatThrownBy(() -> accounts.login("unknown-" + email, PASSWORD)).isInstanceOf(UnauthorizedException.class)
                .hasMessage("email or password is wrong");
        assertThatThrownBy(() -> accounts.login(null, null)).isInstanceOf(UnauthorizedException.class);
        assertThat(accounts.login(" " + email.toUpperCase() + " ", PASSWORD).user().email()).isEqualTo(email);
    }

    @Test
    void access_tokens_expire_and_only_our_keys_are_trusted() throws Exception {
        UUID user = UUID.randomUUID();
        var past = Clock.fixed(Instant.now().minus(Duration.ofMinutes(20)), ZoneOffset.UTC);
        var expired = AccessTokens.load(jdbi, null, past, Duration.ofMinutes(15)).issue(user);
        assertThat(tokens.verify(expired)).isEmpty();
        assertThat(tokens.verify(tokens.issue(user))).isPresent();

        String strangerKey = new ECKeyGenerator(Curve.P_256).keyID("stranger").generate().toJSONString();
        var stranger = AccessTokens.load(jdbi, strangerKey, clock, Duration.ofMinutes(15));
        assertThat(stranger.verify(stranger.issue(user))).as("a configured key signs and verifies").isPresent();
        assertThat(tokens.verify(stranger.issue(user))).as("tokens signed by an unknown key").isEmpty();
        assertThat(stranger.verify(tokens.issue(user))).as("a configured key retires the stored ones").isEmpty();
        assertThat(tokens.verify("a.b.c")).isEmpty();
        assertThatThrownBy(() -> AccessTokens.load(jdbi, "{\"kty\":\"oct\"}", clock, Duration.ofMinutes(1)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void a_verified_token_is_remembered_only_exactly_and_only_until_it_expires() {
        UUID user = UUID.randomUUID();
        var now = new java.util.concurrent.atomic.AtomicReference<>(Instant.now());
        var movable = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        var shortLived = AccessTokens.load(jdbi, null, movable, Duration.ofMinutes(1));
        String token = shortLived.issue(user);
        assertThat(shortLived.verify(token)).get().extracting(AccessTokens.Verified::userId).isEqualTo(user);
        assertThat(shortLived.verify(token)).as("verified again, from memory").isPresent();

        // One character of the signature changed is another token: checked, and refused.
        char last = token.charAt(token.length() - 2);
        String forged = token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
        assertThat(shortLived.verify(forged)).isEmpty();

        now.set(now.get().plus(Duration.ofMinutes(2)));
        assertThat(shortLived.verify(token)).as("remembered, but expired").isEmpty();
    }
}
