package studio.reyna.state.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import studio.reyna.core.problem.UnavailableException;

class TransferSlotsTest {
    @Test
    void a_transfer_past_the_slots_is_refused_with_503_and_a_finished_one_frees_its_slot() {
        var slots = new TransferSlots(1);

        assertThatThrownBy(() -> slots.run(() -> slots.run(() -> "second")))
                .isInstanceOfSatisfying(UnavailableException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.retryAfterSeconds()).isPositive();
                });
        assertThat(slots.run(() -> "after")).isEqualTo("after");
    }
}
