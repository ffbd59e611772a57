package studio.reyna.gateway.auth;

import java.time.Instant;
import java.util.UUID;

/** A person with an account; the password hash never leaves {@link Accounts}. */
public record User(UUID id, String email, String displayName, Instant createdAt) {
}
