package studio.reyna.gateway.attachment;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import studio.reyna.core.problem.ValidationException;

/**
 * {@code Content-Disposition} (RFC 6266): the file name a client sends with an upload, and the one
 * the studio sends with a download. {@code filename*} (RFC 8187, UTF-8 percent-encoded) wins over
 * {@code filename}, as the RFC asks.
 */
final class ContentDisposition {
    private ContentDisposition() {
    }

    /** The file name in a {@code Content-Disposition} value; null when it names none. */
    static String filename(String header) {
        if (header == null) {
            return null;
        }
        var parameters = parameters(header);
        String extended = parameters.get("filename*");
        if (extended != null) {
            return decodeExtended(extended);
        }
        return parameters.get("filename");
    }

    /** The parameters after the disposition type, names in lower case, quoted strings unquoted. */
    static Map<String, String> parameters(String header) {
        var result = new HashMap<String, String>();
        int i = header.indexOf(';');
        while (i >= 0 && i < header.length()) {
            i++;
            while (i < header.length() && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
                i++;
            }
            int equals = header.indexOf('=', i);
            if (equals < 0) {
                break;
            }
            String name = header.substring(i, equals).strip().toLowerCase(Locale.ROOT);
            i = equals + 1;
            while (i < header.length() && (header.charAt(i) == ' ' || header.charAt(i) == '\t')) {
                i++;
            }
            var value = new StringBuilder();
            if (i < header.length() && header.charAt(i) == '"') {
                i++;
                while (i < header.length() && header.charAt(i) != '"') {
                    char c = header.charAt(i);
                    if (c == '\\' && i + 1 < header.length()) {
                        c = header.charAt(++i);
                    }
                    value.append(c);
                    i++;
                }
                if (i >= header.length()) {
                    throw ValidationException.of("/filename", "Content-Disposition has a quoted string that does not end");
                }
                i = header.indexOf(';', i);
            } else {
                int end = header.indexOf(';', i);
                value.append((end < 0 ? header.substring(i) : header.substring(i, end)).strip());
                i = end;
            }
            result.putIfAbsent(name, value.toString());
        }
        return result;
    }

    /** {@code UTF-8''na%C3%AFve.txt} → {@code naïve.txt}; only UTF-8 is accepted (RFC 8187 §3.2.1 requires it). */
    private static String decodeExtended(String value) {
        int quote = value.indexOf('\'');
        int secondQuote = quote < 0 ? -1 : value.indexOf('\'', quote + 1);
        if (secondQuote < 0 || !value.substring(0, quote).equalsIgnoreCase("UTF-8")) {
            throw ValidationException.of("/filename", "filename* must be UTF-8''<percent-encoded name>");
        }
        String encoded = value.substring(secondQuote + 1);
        var bytes = new ByteArrayOutputStream();
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c == '%' && i + 2 < encoded.length()) {
                int hi = Character.digit(encoded.charAt(i + 1), 16);
                int lo = Character.digit(encoded.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw ValidationException.of("/filename", "filename* has a broken %-escape");
                }
                bytes.write(hi * 16 + lo);
                i += 2;
            } else if (c == '%') {
                throw ValidationException.of("/filename", "filename* has a broken %-escape");
            } else if (c > 0x7e || c < 0x21) {
                throw ValidationException.of("/filename", "filename* must be percent-encoded ASCII");
            } else {
                bytes.write(c);
            }
        }
        var decoder = StandardCharsets.UTF_8.newDecoder();
        try {
            return decoder.decode(java.nio.ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw ValidationException.of("/filename", "filename* is not UTF-8");
        }
    }

    /**
     * The header of a download: always {@code attachment} (a browser saves the file and never shows
     * it as a page of the studio's origin), the name in ASCII for old clients and in UTF-8 for the rest.
     */
    static String attachment(String filename) {
        var ascii = new StringBuilder();
        var utf8 = new StringBuilder();
        for (int cp : filename.codePoints().toArray()) {
            ascii.append(cp >= 0x20 && cp < 0x7f && cp != '"' && cp != '\\' && cp != '%' ? (char) cp : '_');
        }
        for (byte b : filename.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0;
            if (plain) {
                utf8.append((char) c);
            } else {
                utf8.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + utf8;
    }
}
