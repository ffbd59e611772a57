package studio.reyna.processor;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Makes a small PNG of an image attachment, to fit a square of {@code size} pixels with its
 * aspect ratio kept (never enlarged).
 *
 * <p>An attachment is an image when its content type is {@code image/png}, {@code image/jpeg},
 * {@code image/gif} or {@code image/bmp} and its bytes are one of those four formats, as ImageIO's
 * own readers recognise them (a JPEG sent as {@code image/png} is still read; text sent as
 * {@code image/png}, or a TIFF, is not an image). Anything else: {@code null}.
 *
 * <p>Limits, against decompression bombs: a file over {@link #MAX_BYTES} is refused before it is
 * opened (and reading stops there if its declared size was wrong), and an image over
 * {@link #MAX_PIXELS} is refused after reading its dimensions from the header, before any pixel
 * is decoded; both with {@link InputRefusedException}. Large images are decoded subsampled,
 * at about twice the thumbnail's size, so memory follows the thumbnail rather than the source.
 * The PNG is at most {@link #MAX_PNG_BYTES}: a noisy photograph that would be larger at the
 * requested size is made smaller until it fits. A file that is recognised but cannot be decoded
 * (truncated, corrupt, an unsupported colour space) is not an image: {@code null}. All buffering
 * is in memory; ImageIO's temporary files are never used.
 */
final class ThumbnailProcessor implements Processor {
    static final long MAX_BYTES = 20L * 1024 * 1024;
    static final long MAX_PIXELS = 40_000_000L;
    static final int MAX_PNG_BYTES = 100 * 1024;
    private static final int MIN_SIZE = 32;
    private static final String SIZE = "size";
    private static final Set<String> CONTENT_TYPES = Set.of("image/png", "image/jpeg", "image/gif", "image/bmp");
    /** ImageIO format names of the readers allowed to decode; its other readers (TIFF, WBMP) never see the bytes. */
    private static final Set<String> FORMATS = Set.of("png", "jpeg", "gif", "bmp");
    private static final Settings SETTINGS = Settings.fromSchema("""
            {"$schema": "https://json-schema.org/draft/2020-12/schema",
             "type": "object", "additionalProperties": false,
             "properties": {
               "size": {"type": "integer", "minimum": 32, "maximum": 1024, "default": 256,
                        "description": "The thumbnail fits a square of this many pixels."}}}""");

    private final long maxBytes;
    private final long maxPixels;

    ThumbnailProcessor() {
        this(MAX_BYTES, MAX_PIXELS);
    }

    ThumbnailProcessor(long maxBytes, long maxPixels) {
        this.maxBytes = maxBytes;
        this.maxPixels = maxPixels;
    }

    @Override
    public String name() {
        return "thumbnail";
    }

    @Override
    public String description() {
        return "Makes a small PNG thumbnail of each image attached to a blob.";
    }

    @Override
    public List<String> subjects() {
        return List.of("attachment.added.>");
    }

    @Override
    public JsonNode settingsSchema() {
        return SETTINGS.schema();
    }

    @Override
    public JsonNode defaultSettings() {
        return SETTINGS.defaults();
    }

    @Override
    public JsonNode derive(ProcessorInput input, JsonNode settings) throws IOException {
        if (input.attachment().isEmpty() || !CONTENT_TYPES.contains(mediaType(input.attachment().get().contentType()))) {
            return null;
        }
        AttachmentContent attachment = input.attachment().get();
        if (attachment.size() > maxBytes) {
            throw new InputRefusedException("the file has " + attachment.size() + " bytes, more than the " + maxBytes + " a thumbnail is made of");
        }
        int size = SETTINGS.integer(settings, SIZE);
        BufferedImage decoded;
        try (var source = new BudgetedInputStream(attachment.open().get(), maxBytes);
             ImageInputStream image = new MemoryCacheImageInputStream(source)) {
            try {
                decoded = decode(image, size);
            } catch (InputRefusedException refused) {
                throw refused;
            } catch (IOException | RuntimeException undecodable) {
                decoded = null;
            }
            // Decoders report their source's failures as their own; those are not "not an image".
            source.rethrowFailure();
        }
        if (decoded == null) {
            return null;
        }
        BufferedImage thumbnail = scale(decoded, fit(decoded.getWidth(), decoded.getHeight(), size, size));
        byte[] png = png(thumbnail);
        while (png.length > MAX_PNG_BYTES && Math.max(thumbnail.getWidth(), thumbnail.getHeight()) > MIN_SIZE) {
            // PNG size grows with area: shrink by the square root of the excess, with a margin.
            double factor = Math.sqrt((double) MAX_PNG_BYTES / png.length) * 0.9;
            int longest = Math.max(MIN_SIZE, (int) (Math.max(thumbnail.getWidth(), thumbnail.getHeight()) * factor));
            thumbnail = scale(thumbnail, fit(thumbnail.getWidth(), thumbnail.getHeight(), longest, longest));
            png = png(thumbnail);
        }
        return JsonNodeFactory.instance.objectNode()
                .put("width", thumbnail.getWidth())
                .put("height", thumbnail.getHeight())
                .put("png", Base64.getEncoder().encodeToString(png));
    }

    private static String mediaType(String contentType) {
        int parameters = contentType.indexOf(';');
        return (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().toLowerCase(Locale.ROOT);
    }

    /** The decoded image, subsampled towards twice the thumbnail's size; {@code null} when no allowed reader knows the bytes. */
    private BufferedImage decode(ImageInputStream image, int size) throws IOException {
        ImageReader reader = reader(image);
        if (reader == null) {
            return null;
        }
        try {
            reader.setInput(image, true, true);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width <= 0 || height <= 0) {
                return null;
            }
            if ((long) width * height > maxPixels) {
                throw new InputRefusedException("the image has " + width + "×" + height + " pixels, more than the " + maxPixels + " a thumbnail is made of");
            }
            Dimensions target = fit(width, height, size, size);
            ImageReadParam param = reader.getDefaultReadParam();
            int stepX = Math.max(1, width / (2 * target.width()));
            int stepY = Math.max(1, height / (2 * target.height()));
            if (stepX > 1 || stepY > 1) {
                param.setSourceSubsampling(stepX, stepY, 0, 0);
            }
            return reader.read(0, param);
        } finally {
            reader.dispose();
        }
    }

    private static ImageReader reader(ImageInputStream image) throws IOException {
        var readers = ImageIO.getImageReaders(image);
        while (readers.hasNext()) {
            ImageReader candidate = readers.next();
            if (FORMATS.contains(candidate.getFormatName().toLowerCase(Locale.ROOT))) {
                return candidate;
            }
            candidate.dispose();
        }
        return null;
    }

    private record Dimensions(int width, int height) {
    }

    /** The largest size within {@code maxWidth}×{@code maxHeight} with the same aspect ratio, never larger than the original. */
    private static Dimensions fit(int width, int height, int maxWidth, int maxHeight) {
        double scale = Math.min(1.0, Math.min((double) maxWidth / width, (double) maxHeight / height));
        return new Dimensions(Math.max(1, (int) Math.round(width * scale)), Math.max(1, (int) Math.round(height * scale)));
    }

    /** Bilinear steps of at most half each, which average every source pixel instead of skipping most of them. */
    private static BufferedImage scale(BufferedImage source, Dimensions target) {
        boolean alpha = source.getColorModel().hasAlpha();
        BufferedImage current = source;
        do {
            int width = Math.max(target.width(), current.getWidth() / 2);
            int height = Math.max(target.height(), current.getHeight() / 2);
            var next = new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
            Graphics2D graphics = next.createGraphics();
            try {
                graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
                graphics.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
                graphics.drawImage(current, 0, 0, width, height, null);
            } finally {
                graphics.dispose();
            }
            current = next;
        } while (current.getWidth() != target.width() || current.getHeight() != target.height());
        return current;
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        var bytes = new ByteArrayOutputStream();
        try (var out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            // Quality 0 is the PNG writer's strongest deflate level; thumbnails are small enough that its cost does not matter.
            param.setCompressionQuality(0.0f);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    /**
     * Stops reading past the byte budget, and remembers why its source failed, so a decoder's
     * error can be told apart from a storage error or a file over the budget.
     */
    private static final class BudgetedInputStream extends InputStream {
        private final InputStream source;
        private final long budget;
        private long read;
        private IOException failure;
        private boolean overBudget;

        BudgetedInputStream(InputStream source, long budget) {
            this.source = source;
            this.budget = budget;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (read >= budget) {
                // One byte more tells a file of exactly the budget from a longer one.
                if (guarded(source::read) < 0) {
                    return -1;
                }
                overBudget = true;
                throw new IOException("more than " + budget + " bytes");
            }
            int n = guarded(() -> source.read(buffer, offset, (int) Math.min(length, budget - read)));
            if (n > 0) {
                read += n;
            }
            return n;
        }

        private int guarded(IOSupplier<Integer> read) throws IOException {
            try {
                return read.get();
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }

        /** Whatever went wrong with the source itself, if anything did. */
        void rethrowFailure() throws IOException {
            if (overBudget) {
                throw new InputRefusedException("the file is longer than the " + budget + " bytes a thumbnail is made of");
            }
            if (failure != null) {
                throw failure;
            }
        }

        @Override
        public void close() throws IOException {
            source.close();
        }
    }
}
