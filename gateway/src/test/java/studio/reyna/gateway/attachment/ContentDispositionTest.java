package studio.reyna.gateway.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import studio.reyna.core.problem.ValidationException;

class ContentDispositionTest {
    @Test
    void reads_the_file_name_in_each_form() {
        assertThat(ContentDisposition.filename("attachment; filename=report.pdf")).isEqualTo("report.pdf");
        assertThat(ContentDisposition.filename("attachment; filename=\"a; b\\\".pdf\"")).isEqualTo("a; b\".pdf");
        assertThat(ContentDisposition.filename("attachment; FILENAME*=utf-8''na%C3%AFve.txt; filename=naive.txt"))
                .isEqualTo("naïve.txt");
        assertThat(ContentDisposition.filename("inline")).isNull();
        assertThat(ContentDisposition.filename(null)).isNull();
    }

    @Test
    void refuses_names_it_cannot_decode() {
        assertThatThrownBy(() -> ContentDisposition.filename("attachment; filename*=ISO-8859-1''caf%E9"))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> ContentDisposition.filename("attachment; filename*=UTF-8''%C3"))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> ContentDisposition.filename("attachment; filename*=UTF-8''%G1"))
                .isInstanceOf(ValidationException.class);
        assertThatThrownBy(() -> ContentDisposition.filename("attachment; filename=\"unterminated"))
                .isInstanceOf(ValidationException.class);
    }

    @Test
    void offers_a_download_with_an_ascii_and_a_utf8_name() {
        assertThat(ContentDisposition.attachment("naïve \"1\".txt"))
                .isEqualTo("attachment; filename=\"na_ve _1_.txt\"; filename*=UTF-8''na%C3%AFve%20%221%22.txt");
    }
}
