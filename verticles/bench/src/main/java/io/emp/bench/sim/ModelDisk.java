package io.emp.bench.sim;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models on one simulated machine's disk, in simulated time: a disk budget, one download at a
 * time at the machine's speed (downloads queue behind each other), least-recently-used eviction that
 * never removes a model in use or still downloading. When every candidate is in use the download
 * goes ahead over budget and {@link #overcommits()} counts it. Thread-safe (the workers of one
 * machine share it).
 */
public final class ModelDisk {
  /**
   * What {@link #acquire} found: {@code warm} when the model was on disk and ready; otherwise it is
   * ready at {@code readyAtMs} ({@code downloaded} when this call started the download, false when
   * another job's download was already under way).
   */
  public record Acquired(boolean warm, long readyAtMs, boolean downloaded, List<String> evicted) {
    public long waitMs(long now) {
      return Math.max(0, readyAtMs - now);
    }
  }

  private static final class Entry {
    final long size;
    final long readyAt;
    int pins;

    Entry(long size, long readyAt) {
      this.size = size;
      this.readyAt = readyAt;
    }
  }

  private final long budget;
  private final double bytesPerMs;
  private final Map<String, Long> sizes;
  private final LinkedHashMap<String, Entry> disk = new LinkedHashMap<>(16, 0.75f, true);
  private long used;
  private long downloadsEnd;
  private int downloads;
  private long downloadedBytes;
  private int evictions;
  private int overcommits;

  /** {@code bytesPerSecond} is per simulated second; preinstalled models are ready at time 0. */
  public ModelDisk(long budgetBytes, double bytesPerSecond, Map<String, Long> sizes, List<String> preinstalled) {
    this.budget = budgetBytes;
    this.bytesPerMs = bytesPerSecond / 1_000;
    this.sizes = Map.copyOf(sizes);
    for (String m : preinstalled) {
      long size = size(m);
      disk.put(m, new Entry(size, 0));
      used += size;
    }
  }

  /** Pins {@code model} for a job starting at {@code now}, downloading it first when it is missing. */
  public synchronized Acquired acquire(String model, long now) {
    Entry e = disk.get(model);
    if (e != null) {
      e.pins++;
      return new Acquired(e.readyAt <= now, Math.max(e.readyAt, now), false, List.of());
    }
    long size = size(model);
    List<String> evicted = makeRoom(size, now);
    long start = Math.max(now, downloadsEnd);
    long ready = start + (long) Math.ceil(size / bytesPerMs);
    downloadsEnd = ready;
    downloads++;
    downloadedBytes += size;
    Entry added = new Entry(size, ready);
    added.pins = 1;
    disk.put(model, added);
    used += size;
    return new Acquired(false, ready, true, evicted);
  }

  /** The job that pinned {@code model} ended. */
  public synchronized void release(String model) {
    Entry e = disk.get(model);
    if (e != null && e.pins > 0) {
      e.pins--;
    }
  }

  /** Models on disk and ready at {@code now}, least recently used first. */
  public synchronized List<String> ready(long now) {
    List<String> out = new ArrayList<>();
    // iterate over a snapshot: access order must not change while listing
    for (Map.Entry<String, Entry> e : new ArrayList<>(disk.entrySet())) {
      if (e.getValue().readyAt <= now) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  public synchronized long usedBytes() {
    return used;
  }

  public synchronized int downloads() {
    return downloads;
  }

  public synchronized long downloadedBytes() {
    return downloadedBytes;
  }

  public synchronized int evictions() {
    return evictions;
  }

  public synchronized int overcommits() {
    return overcommits;
  }

  private long size(String model) {
    Long s = sizes.get(model);
    if (s == null) {
      throw new IllegalArgumentException("unknown model " + model);
    }
    return s;
  }

  private List<String> makeRoom(long size, long now) {
    List<String> evicted = new ArrayList<>();
    Iterator<Map.Entry<String, Entry>> it = disk.entrySet().iterator();
    while (used + size > budget && it.hasNext()) {
      Map.Entry<String, Entry> e = it.next();
      if (e.getValue().pins == 0 && e.getValue().readyAt <= now) {
        used -= e.getValue().size;
        evicted.add(e.getKey());
        evictions++;
        it.remove();
      }
    }
    if (used + size > budget) {
      overcommits++;
    }
    return evicted;
  }
}
