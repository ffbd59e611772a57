package studio.reyna.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PasswordHasherTest {
    private final PasswordHasher hasher = new PasswordHasher(1024, 1);

    @Test
    void a_hash_verifies_its_password_and_no_other() {
        String hash = hasher.hash("correct horse battery staple");
        assertThat(hash).startsWith("$argon2id$v=19$m=1024,t=1,p=1$");
        assertThat(hasher.matches("correct horse battery staple", hash)).isTrue();
        assertThat(hasher.matches("correct horse battery stapler", hash)).isFalse();
    }

    @Test
    void the_same_password_hashes_differently_each_time() {
        assertThat(hasher.hash("same password")).isNotEqualTo(hasher.hash("same password"));
    }

    @Test
    void hashes_made_with_other_parameters_still_verify() {
        String stronger = new PasswordHasher(2048, 2).hash("passphrase here");
        assertThat(hasher.matches("passphrase here", stronger)).isTrue();
    }

    @Test
    void anything_that_is_not_an_argon2id_hash_matches_nothing() {
        assertThat(hasher.matches("x", "plain")).isFalse();
        assertThat(hasher.matches("x", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA")).isFalse();
        assertThat(hasher.matches("x", "$argon2id$v=19$q=1$c2FsdA$aGFzaA")).isFalse();
    }
}
