package studio.reyna.gateway.auth;

/** What sign-up, sign-in and refresh answer: the user and a fresh token pair. */
public record Session(User user, String accessToken, String refreshToken, long expiresIn, String tokenType) {
}
