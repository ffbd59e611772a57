package studio.reyna.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;
import static studio.reyna.processor.TestJson.json;
import static studio.reyna.processor.TestJson.settings;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

class ThumbnailProcessorTest {
    private final ThumbnailProcessor thumbnail = new ThumbnailProcessor();

    private static ProcessorInput attachment(String contentType, byte[] bytes) {
        return attachment(contentType, bytes.length, () -> new ByteArrayInputStream(bytes));
    }

    private static ProcessorInput attachment(String contentType, long size, IOSupplier<InputStream> open) {
        return new ProcessorInput(json("{}"), json("{}"), Optional.of(new AttachmentContent("file", contentType, size, open)));
    }

    /** Left half red, right half blue, so a scaled image can be checked for more than its size. */
    private static BufferedImage halves(int width, int height, int type) {
        var image = new BufferedImage(width, height, type);
        Graphics2D graphics = image.createGraphics();
        graphics.setColor(Color.RED);
        graphics.fillRect(0, 0, width / 2, height);
        graphics.setColor(Color.BLUE);
        graphics.fillRect(width / 2, 0, width - width / 2, height);
        graphics.dispose();
        return image;
    }

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        var bytes = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, bytes)).as("a writer for " + format).isTrue();
        return bytes.toByteArray();
    }

    private static BufferedImage decodePng(JsonNode result) throws IOException {
        byte[] png = Base64.getDecoder().decode(result.path("png").stringValue());
        assertThat(Arrays.copyOf(png, 8)).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(result.path("width").intValue());
        assertThat(image.getHeight()).isEqualTo(result.path("height").intValue());
        return image;
    }

    private static void assertRedLeftBlueRight(BufferedImage image) {
        var left = new Color(image.getRGB(image.getWidth() / 4, image.getHeight() / 2));
        var right = new Color(image.getRGB(image.getWidth() * 3 / 4, image.getHeight() / 2));
        assertThat(left.getRed()).isGreaterThan(200);
        assertThat(left.getBlue()).isLessThan(60);
        assertThat(right.getBlue()).isGreaterThan(200);
        assertThat(right.getRed()).isLessThan(60);
    }

    @Test
    void scales_a_png_to_fit_the_size_keeping_its_aspect_ratio() throws IOException {
        byte[] png = encode(halves(800, 400, BufferedImage.TYPE_INT_RGB), "png");

        JsonNode result = thumbnail.derive(attachment("image/png", png), thumbnail.defaultSettings());

        assertThat(result.path("width").intValue()).isEqualTo(256);
        assertThat(result.path("height").intValue()).isEqualTo(128);
        assertThat(result.propertyNames()).containsExactly("width", "height", "png");
        assertRedLeftBlueRight(decodePng(result));
    }

    @Test
    void scales_a_jpeg_to_the_configured_size() throws IOException {
        byte[] jpeg = encode(halves(600, 1200, BufferedImage.TYPE_INT_RGB), "jpeg");

        JsonNode result = thumbnail.derive(attachment("image/jpeg", jpeg), settings("{\"size\": 100}"));

        assertThat(result.path("width").intValue()).isEqualTo(50);
        assertThat(result.path("height").intValue()).isEqualTo(100);
        assertRedLeftBlueRight(decodePng(result));
    }

    @ParameterizedTest
    @CsvSource({"gif, image/gif", "bmp, image/bmp", "png, image/PNG; charset=binary"})
    void reads_gif_and_bmp_and_content_types_with_parameters(String format, String contentType) throws IOException {
        byte[] bytes = encode(halves(300, 300, BufferedImage.TYPE_INT_RGB), format);

        JsonNode result = thumbnail.derive(attachment(contentType, bytes), thumbnail.defaultSettings());

        assertThat(result.path("width").intValue()).isEqualTo(256);
        assertThat(result.path("height").intValue()).isEqualTo(256);
        assertRedLeftBlueRight(decodePng(result));
    }

    @Test
    void decodes_a_large_image_subsampled_into_an_accurate_thumbnail() throws IOException {
        byte[] png = encode(halves(6000, 4000, BufferedImage.TYPE_INT_RGB), "png");

        JsonNode result = thumbnail.derive(attachment("image/png", png), thumbnail.defaultSettings());

        assertThat(result.path("width").intValue()).isEqualTo(256);
        assertThat(result.path("height").intValue()).isEqualTo(171);
        assertRedLeftBlueRight(decodePng(result));
    }

    @Test
    void never_enlarges_a_small_image_and_keeps_transparency() throws IOException {
        var image = new BufferedImage(40, 20, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0xFF00FF00);
        byte[] png = encode(image, "png");

        BufferedImage result = decodePng(thumbnail.derive(attachment("image/png", png), thumbnail.defaultSettings()));

        assertThat(result.getWidth()).isEqualTo(40);
        assertThat(result.getHeight()).isEqualTo(20);
        assertThat(result.getColorModel().hasAlpha()).isTrue();
        assertThat(result.getRGB(0, 0)).isEqualTo(0xFF00FF00);
        assertThat(result.getRGB(20, 10) >>> 24).as("alpha of a transparent pixel").isZero();
    }

    @Test
    void keeps_the_png_of_a_noisy_image_within_its_byte_budget_by_making_it_smaller() throws IOException {
        var noise = new BufferedImage(1024, 768, BufferedImage.TYPE_INT_RGB);
        var random = new Random(7);
        for (int y = 0; y < noise.getHeight(); y++) {
            for (int x = 0; x < noise.getWidth(); x++) {
                noise.setRGB(x, y, random.nextInt());
            }
        }

        JsonNode result = thumbnail.derive(attachment("image/png", encode(noise, "png")), settings("{\"size\": 1024}"));

        assertThat(Base64.getDecoder().decode(result.path("png").stringValue()).length).isLessThanOrEqualTo(ThumbnailProcessor.MAX_PNG_BYTES);
        assertThat(result.path("width").intValue()).isBetween(32, 1023);
        assertThat((double) result.path("width").intValue() / result.path("height").intValue()).isCloseTo(4.0 / 3, offset(0.05));
        decodePng(result);
    }

    @Test
    void text_sent_as_an_image_is_not_an_image() throws IOException {
        byte[] text = "Definitely not a picture, just some words.\n".repeat(50).getBytes(StandardCharsets.UTF_8);

        assertThat(thumbnail.derive(attachment("image/png", text), thumbnail.defaultSettings())).isNull();
        assertThat(thumbnail.derive(attachment("image/jpeg", new byte[0]), thumbnail.defaultSettings())).isNull();
    }

    @Test
    void an_image_sent_with_another_content_type_or_no_attachment_gives_nothing() throws IOException {
        byte[] png = encode(halves(64, 64, BufferedImage.TYPE_INT_RGB), "png");
        var opened = new AtomicInteger();

        assertThat(thumbnail.derive(attachment("application/octet-stream", png.length, () -> {
            opened.incrementAndGet();
            return new ByteArrayInputStream(png);
        }), thumbnail.defaultSettings())).isNull();
        assertThat(thumbnail.derive(TestJson.blob("{}"), thumbnail.defaultSettings())).isNull();
        assertThat(opened).hasValue(0);
    }

    @Test
    void formats_other_than_the_four_are_not_read_even_when_labelled_as_one() throws IOException {
        byte[] tiff = encode(halves(64, 64, BufferedImage.TYPE_INT_RGB), "tiff");

        assertThat(thumbnail.derive(attachment("image/png", tiff), thumbnail.defaultSettings())).isNull();
    }

    @Test
    void a_truncated_image_is_not_an_image() throws IOException {
        byte[] png = encode(halves(400, 400, BufferedImage.TYPE_INT_RGB), "png");
        byte[] jpeg = encode(halves(400, 400, BufferedImage.TYPE_INT_RGB), "jpeg");

        assertThat(thumbnail.derive(attachment("image/png", Arrays.copyOf(png, 60)), thumbnail.defaultSettings())).isNull();
        assertThat(thumbnail.derive(attachment("image/jpeg", Arrays.copyOf(jpeg, 200)), thumbnail.defaultSettings())).isNull();
    }

    /** A PNG whose header claims {@code width}×{@code height}, followed by {@code padding} bytes of bogus image data. */
    private static byte[] pngHeader(int width, int height, int padding) {
        var header = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 6).put((byte) 0).put((byte) 0).put((byte) 0);
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        out.writeBytes(chunk("IHDR", header.array()));
        out.writeBytes(chunk("IDAT", new byte[padding]));
        out.writeBytes(chunk("IEND", new byte[0]));
        return out.toByteArray();
    }

    private static byte[] chunk(String type, byte[] data) {
        var crc = new CRC32();
        crc.update(type.getBytes(StandardCharsets.US_ASCII));
        crc.update(data);
        return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data).putInt((int) crc.getValue()).array();
    }

    /** Counts the bytes a processor actually reads. */
    private static final class CountingStream extends FilterInputStream {
        private final AtomicLong count;

        CountingStream(InputStream in, AtomicLong count) {
            super(in);
            this.count = count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count.incrementAndGet();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count.addAndGet(n);
            }
            return n;
        }
    }

    @Test
    void refuses_huge_dimensions_read_from_the_header_without_decoding_the_pixels() {
        // 100,000 × 100,000 RGBA would need 40 GB decoded; the test JVM has 1 GB.
        byte[] bomb = pngHeader(100_000, 100_000, 2_000_000);
        var read = new AtomicLong();

        assertThatThrownBy(() -> thumbnail.derive(
                attachment("image/png", bomb.length, () -> new CountingStream(new ByteArrayInputStream(bomb), read)),
                thumbnail.defaultSettings()))
                .isInstanceOf(InputRefusedException.class)
                .hasMessageContaining("100000×100000");
        assertThat(read.get()).as("bytes read of %d", bomb.length).isLessThan(64 * 1024);
    }

    @Test
    void the_pixel_budget_applies_to_the_product_of_the_dimensions() {
        var small = new ThumbnailProcessor(ThumbnailProcessor.MAX_BYTES, 10_000);

        assertThatThrownBy(() -> small.derive(attachment("image/png", pngHeader(10_001, 1, 100)), small.defaultSettings()))
                .isInstanceOf(InputRefusedException.class);
        assertThatThrownBy(() -> thumbnail.derive(attachment("image/png", pngHeader(40_000, 1_001, 100)), thumbnail.defaultSettings()))
                .isInstanceOf(InputRefusedException.class);
    }

    @Test
    void refuses_a_file_over_the_byte_budget_without_opening_it() {
        var opened = new AtomicInteger();

        assertThatThrownBy(() -> thumbnail.derive(attachment("image/jpeg", ThumbnailProcessor.MAX_BYTES + 1, () -> {
            opened.incrementAndGet();
            return InputStream.nullInputStream();
        }), thumbnail.defaultSettings())).isInstanceOf(InputRefusedException.class);
        assertThat(opened).hasValue(0);
    }

    @Test
    void stops_reading_a_file_longer_than_the_byte_budget_whatever_its_declared_size() throws IOException {
        byte[] png = encode(halves(300, 300, BufferedImage.TYPE_INT_RGB), "png");
        var budgeted = new ThumbnailProcessor(png.length / 2, ThumbnailProcessor.MAX_PIXELS);
        var read = new AtomicLong();

        assertThatThrownBy(() -> budgeted.derive(
                attachment("image/png", 10, () -> new CountingStream(new ByteArrayInputStream(png), read)), budgeted.defaultSettings()))
                .isInstanceOf(InputRefusedException.class);
        assertThat(read.get()).isLessThanOrEqualTo(png.length / 2 + 1);
        assertThat(new ThumbnailProcessor(png.length, ThumbnailProcessor.MAX_PIXELS).derive(attachment("image/png", png), thumbnail.defaultSettings()))
                .as("a file of exactly the budget").isNotNull();
    }

    @Test
    void passes_on_a_failure_to_read_the_file_rather_than_calling_it_no_image() throws IOException {
        byte[] png = encode(halves(300, 300, BufferedImage.TYPE_INT_RGB), "png");
        IOSupplier<InputStream> failing = () -> new FilterInputStream(new ByteArrayInputStream(png)) {
            private int served;

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (served > 100) {
                    throw new IOException("storage went away");
                }
                int n = super.read(buffer, offset, Math.min(length, 50));
                served += Math.max(n, 0);
                return n;
            }
        };

        assertThatThrownBy(() -> thumbnail.derive(attachment("image/png", png.length, failing), thumbnail.defaultSettings()))
                .isInstanceOf(IOException.class)
                .hasMessage("storage went away");
    }

    @Test
    void closes_the_stream_it_opens() throws IOException {
        byte[] png = encode(halves(64, 64, BufferedImage.TYPE_INT_RGB), "png");
        var closed = new AtomicInteger();

        thumbnail.derive(attachment("image/png", png.length, () -> new FilterInputStream(new ByteArrayInputStream(png)) {
            @Override
            public void close() throws IOException {
                closed.incrementAndGet();
                super.close();
            }
        }), thumbnail.defaultSettings());

        assertThat(closed).hasValue(1);
    }
}
