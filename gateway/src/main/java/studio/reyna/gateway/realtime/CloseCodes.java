package studio.reyna.gateway.realtime;

/** WebSocket close codes of the real-time protocol (documented in docs/asyncapi.yaml). */
final class CloseCodes {
    /** The token is missing, invalid or expired, or the first message was not {@code auth}. */
    static final int UNAUTHORIZED = 4001;
    /** No {@code auth} message within the time allowed after connecting. */
    static final int AUTH_TIMEOUT = 4002;
    /** The socket did not read its events fast enough; its outbox overflowed. */
    static final int TOO_SLOW = 4008;
    /** The user holds as many sockets on this node as one user may. */
    static final int TOO_MANY_SOCKETS = 4029;
    /** Far more messages than the per-second limit (policy violation). */
    static final int POLICY = 1008;
    /** A binary frame: the protocol is JSON text. */
    static final int BAD_DATA = 1003;
    /** The server is shutting down. */
    static final int GOING_AWAY = 1001;

    private CloseCodes() {
    }
}
