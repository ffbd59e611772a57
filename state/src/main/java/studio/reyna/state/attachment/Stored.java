package studio.reyna.state.attachment;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** What a store wrote: how many bytes, and their SHA-256. */
record Stored(long size, byte[] sha256) {
    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
