package studio.reyna.state.transfer;

/**
 * What an import did: the items it created, those that were here already (from an earlier import
 * of the same export into the same bucket, or schema versions the studio had), and attachments
 * it could not bring because the export carries no files (a JSON export, not a zip).
 */
public record ImportResult(TransferCounts created, TransferCounts existing, long attachmentsWithoutFile) {
}
