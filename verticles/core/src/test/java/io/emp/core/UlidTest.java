package io.emp.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class UlidTest {

  @Test
  @DisplayName("ids sort in creation order within one millisecond and when the clock steps back")
  void monotonic() {
    AtomicLong clock = new AtomicLong(1_700_000_000_000L);
    Ulid ulid = new Ulid(clock::get);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      if (i == 500) {
        clock.addAndGet(-10_000);
      }
      if (i == 700) {
        clock.addAndGet(20_000);
      }
      ids.add(ulid.next());
    }
    assertThat(ids).isSorted().doesNotHaveDuplicates().allMatch(s -> s.matches("[0-9A-HJKMNP-TV-Z]{26}"));
    assertThat(Ulid.timestamp(ids.get(0))).isEqualTo(1_700_000_000_000L);
    assertThat(Ulid.timestamp(ids.get(999))).isEqualTo(1_700_000_010_000L);
  }

  @Test
  @DisplayName("the random part carries across its 64-bit boundary")
  void carry() {
    String before = Ulid.encode(1, 0, -1L);
    String after = Ulid.encode(1, 1, 0L);
    assertThat(before).isLessThan(after);
    assertThat(before.substring(0, 10)).isEqualTo(after.substring(0, 10));
  }
}
