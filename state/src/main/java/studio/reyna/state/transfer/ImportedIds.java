package studio.reyna.state.transfer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * The id an exported item takes when it is imported into a bucket: the same every time the same
 * item is imported into the same bucket, so a repeated import finds what the first one created
 * (and inserts with {@code on conflict do nothing}) instead of creating it twice. No table maps
 * exported ids to local ones.
 *
 * <p>The id keeps the first 48 bits of the exported id — for ids the studio made (UUID version 7)
 * the time the item was created — so imported items sort by creation like any others; the other
 * bits come from a SHA-256 of the target bucket, the kind of item and the exported id.
 */
final class ImportedIds {
    private final byte[] target;

    ImportedIds(UUID targetBucketId) {
        this.target = targetBucketId.toString().getBytes(StandardCharsets.US_ASCII);
    }

    UUID of(String kind, UUID exportedId) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        sha.update(target);
        sha.update((byte) '/');
        sha.update(kind.getBytes(StandardCharsets.US_ASCII));
        sha.update((byte) '/');
        sha.update(exportedId.toString().getBytes(StandardCharsets.US_ASCII));
        var hash = ByteBuffer.wrap(sha.digest());
        long msb = (exportedId.getMostSignificantBits() & 0xFFFF_FFFF_FFFF_0000L) | 0x7000L | (hash.getShort() & 0x0FFFL);
        long lsb = (hash.getLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
