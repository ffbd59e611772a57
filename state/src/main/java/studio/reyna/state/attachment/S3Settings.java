package studio.reyna.state.attachment;

/** Where attachments go when an S3-compatible store is configured. */
public record S3Settings(String endpoint, String bucket, String region, String accessKey, String secretKey,
                         boolean pathStyle) {
    @Override
    public String toString() {
        // The secret key never reaches a log line.
        return "S3Settings[endpoint=" + endpoint + ", bucket=" + bucket + ", region=" + region + ", pathStyle=" + pathStyle + "]";
    }
}
