package studio.reyna.state.attachment;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Attachments kept as objects in an S3-compatible store. An upload is sent in parts of a fixed
 * size from one reused buffer, so a file of any size takes one part's memory; a part upload that
 * fails aborts the multipart upload. Only the bytes live here: the metadata row is in PostgreSQL.
 */
public final class S3Objects implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(S3Objects.class);
    /** S3 allows at most 10,000 parts; a part is at least 5 MiB (but the last). */
    private static final int MAX_PARTS = 10_000;
    private static final int MIN_PART_BYTES = 8 << 20;

    private final S3Client s3;
    private final String bucket;
    private final int partBytes;

    private S3Objects(S3Client s3, String bucket, int partBytes) {
        this.s3 = s3;
        this.bucket = bucket;
        this.partBytes = partBytes;
    }

    /**
     * A client for the configured store, sized for files of up to {@code maxFileBytes}; the bucket
     * is created when it does not exist yet. Fails (naming the setting) when the store cannot be reached.
     */
    public static S3Objects connect(S3Settings settings, long maxFileBytes) {
        var client = S3Client.builder()
                .endpointOverride(URI.create(settings.endpoint()))
                .region(Region.of(settings.region()))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(settings.accessKey(), settings.secretKey())))
                .forcePathStyle(settings.pathStyle())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                // Checksums only where the API demands them: many S3-compatible stores do not
                // understand the trailing checksums the SDK would otherwise send with every upload.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .build();
        long needed = (maxFileBytes + MAX_PARTS - 1) / MAX_PARTS;
        int partBytes = (int) Math.max(MIN_PART_BYTES, needed);
        var objects = new S3Objects(client, settings.bucket(), partBytes);
        try {
            objects.ensureBucket();
        } catch (RuntimeException e) {
            client.close();
            throw new IllegalStateException("cannot use S3 bucket '" + settings.bucket() + "' at " + settings.endpoint()
                    + " (REYNA_S3_ENDPOINT, REYNA_S3_BUCKET): " + e.getMessage(), e);
        }
        return objects;
    }

    private void ensureBucket() {
        try {
            s3.headBucket(b -> b.bucket(bucket));
        } catch (NoSuchBucketException e) {
            s3.createBucket(b -> b.bucket(bucket));
            log.info("created S3 bucket {} for attachments", bucket);
        }
    }

    /** How large each part of a multipart upload is: the memory one upload takes. */
    int partBytes() {
        return partBytes;
    }

    /**
     * Stores {@code in}, read to its end, as object {@code key}. A file that fits one part is put
     * whole; a larger one goes as a multipart upload, whose id is handed to {@code started} before
     * the first part is sent (so an upload cut short by a crash can still be aborted later).
     * Whatever fails — the client's stream, the limit, the store — nothing is left behind that this
     * call could remove.
     */
    Stored put(String key, String contentType, InputStream in, long maxBytes, Consumer<String> started) throws IOException {
        var digest = Stored.newDigest();
        byte[] buffer = new byte[partBytes];
        int n = in.readNBytes(buffer, 0, partBytes);
        long size = n;
        if (size > maxBytes) {
            throw TooLarge.over(maxBytes);
        }
        digest.update(buffer, 0, n);
        if (n < partBytes) {
            int whole = n;
            s3.putObject(b -> b.bucket(bucket).key(key).contentType(contentType).contentLength((long) whole), body(buffer, whole));
            return new Stored(size, digest.digest());
        }
        String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key).contentType(contentType)).uploadId();
        try {
            started.accept(uploadId);
            var parts = new ArrayList<CompletedPart>();
            for (int part = 1; n > 0; part++) {
                int number = part;
                int length = n;
                String etag = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(number)
                        .contentLength((long) length), body(buffer, length)).eTag();
                parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
                n = in.readNBytes(buffer, 0, partBytes);
                size += n;
                if (size > maxBytes) {
                    throw TooLarge.over(maxBytes);
                }
                digest.update(buffer, 0, n);
            }
            s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId)
                    .multipartUpload(u -> u.parts(parts)));
            return new Stored(size, digest.digest());
        } catch (IOException | RuntimeException e) {
            abortQuietly(key, uploadId);
            throw e;
        }
    }

    /** A request body over the buffer itself, not a copy of it; the SDK may read it more than once (signing). */
    private static RequestBody body(byte[] buffer, int length) {
        return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buffer, 0, length), length,
                "application/octet-stream");
    }

    /** Writes bytes {@code first} to {@code last} (inclusive) of object {@code key} to {@code out}. */
    void read(String key, long first, long last, OutputStream out) throws IOException {
        try (var in = s3.getObject(b -> b.bucket(bucket).key(key).range("bytes=" + first + "-" + last))) {
            long expected = last - first + 1;
            long copied = in.transferTo(out);
            if (copied != expected) {
                throw new IOException("object " + key + " gave " + copied + " bytes, not " + expected);
            }
        }
    }

    /**
     * Removes object {@code key}, aborting its multipart upload first when {@code uploadId} is given.
     * Removing what is not there (any more) succeeds. Fails when the store cannot be reached.
     */
    void delete(String key, String uploadId) {
        if (uploadId != null) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (NoSuchUploadException e) {
                // Completed or aborted before: the object itself is deleted below.
            }
        }
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw e;
            }
        }
    }

    private void abortQuietly(String key, String uploadId) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
        } catch (RuntimeException e) {
            // The upload id is recorded as garbage; the sweeper aborts it later.
            log.warn("could not abort multipart upload of {} now: {}", key, e.getMessage());
        }
    }

    @Override
    public void close() {
        s3.close();
    }
}
