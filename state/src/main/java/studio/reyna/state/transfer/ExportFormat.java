package studio.reyna.state.transfer;

/**
 * The names of the export format (described field by field in {@code docs/export.md}). A reader
 * refuses a {@code version} it does not know rather than guessing what a newer writer meant.
 */
final class ExportFormat {
    static final String FORMAT = "reyna-export";
    static final int VERSION = 1;
    /** The JSON document's name inside a zip; always the zip's first entry, so an importer reads it before the files. */
    static final String DOCUMENT_ENTRY = "export.json";
    /** Where each attachment's bytes are inside a zip: this, then the attachment's exported id. */
    static final String ATTACHMENT_ENTRY_PREFIX = "attachments/";

    private ExportFormat() {
    }
}
