package io.emp.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ModelDiskTest {
  private static final long GB = 1_000_000_000L;
  // 1 GB/s: a model of N GB downloads in N simulated seconds
  private final Map<String, Long> sizes = Map.of("a", 4 * GB, "b", 4 * GB, "c", 4 * GB, "big", 9 * GB);

  @Test
  @DisplayName("a preinstalled model is warm; a missing one waits size / speed")
  void warmAndCold() {
    ModelDisk disk = new ModelDisk(10 * GB, 1e9, sizes, List.of("a"));
    ModelDisk.Acquired a = disk.acquire("a", 1_000);
    assertThat(a.warm()).isTrue();
    assertThat(a.waitMs(1_000)).isZero();
    ModelDisk.Acquired b = disk.acquire("b", 1_000);
    assertThat(b.warm()).isFalse();
    assertThat(b.downloaded()).isTrue();
    assertThat(b.readyAtMs()).isEqualTo(5_000);
    assertThat(disk.ready(2_000)).containsExactly("a");
    assertThat(disk.ready(5_000)).containsExactlyInAnyOrder("a", "b");
  }

  @Test
  @DisplayName("a second job for a model being downloaded waits for the same download")
  void sharedDownload() {
    ModelDisk disk = new ModelDisk(10 * GB, 1e9, sizes, List.of());
    disk.acquire("a", 0);
    ModelDisk.Acquired second = disk.acquire("a", 1_000);
    assertThat(second.warm()).isFalse();
    assertThat(second.downloaded()).isFalse();
    assertThat(second.waitMs(1_000)).isEqualTo(3_000);
    assertThat(disk.downloads()).isEqualTo(1);
  }

  @Test
  @DisplayName("downloads queue behind each other at the machine's speed")
  void oneDownloadAtATime() {
    ModelDisk disk = new ModelDisk(100 * GB, 1e9, sizes, List.of());
    assertThat(disk.acquire("a", 0).readyAtMs()).isEqualTo(4_000);
    assertThat(disk.acquire("b", 0).readyAtMs()).isEqualTo(8_000);
    assertThat(disk.acquire("c", 10_000).readyAtMs()).isEqualTo(14_000);
  }

  @Test
  @DisplayName("over budget, the least recently used model not in use is evicted")
  void lru() {
    ModelDisk disk = new ModelDisk(10 * GB, 1e9, sizes, List.of("a", "b"));
    disk.acquire("a", 0);
    disk.release("a"); // a used more recently than b
    ModelDisk.Acquired c = disk.acquire("c", 10);
    assertThat(c.evicted()).containsExactly("b");
    assertThat(disk.usedBytes()).isEqualTo(8 * GB);
    assertThat(disk.evictions()).isEqualTo(1);
  }

  @Test
  @DisplayName("a model in use is never evicted; the download goes over budget and is counted")
  void inUseNeverEvicted() {
    ModelDisk disk = new ModelDisk(10 * GB, 1e9, sizes, List.of("a", "b"));
    disk.acquire("a", 0);
    disk.acquire("b", 0);
    ModelDisk.Acquired big = disk.acquire("big", 0);
    assertThat(big.evicted()).isEmpty();
    assertThat(disk.overcommits()).isEqualTo(1);
    assertThat(disk.usedBytes()).isEqualTo(17 * GB);
    disk.release("a");
    disk.release("b");
    ModelDisk.Acquired c = disk.acquire("c", 20_000);
    assertThat(c.evicted()).containsExactly("a", "b");
  }
}
