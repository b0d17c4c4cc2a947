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

  /** What {@link #prefetch} did: {@code outcome} is present, joined (already downloading), downloading or refused. */
  public record Prefetch(String outcome, long readyAtMs, List<String> evicted, String reason) {
  }

  /** One model for the inventory report: {@code ready} false while it downloads ({@code startedAt} .. {@code readyAt}). */
  public record Item(String name, long bytes, boolean ready, int inUse, long lastUsedMs, long startedAtMs, long readyAtMs) {
  }

  private static final class Entry {
    final long size;
    final long readyAt;
    final long startedAt;
    int pins;
    long lastUsed;

    Entry(long size, long startedAt, long readyAt) {
      this.size = size;
      this.startedAt = startedAt;
      this.readyAt = readyAt;
      this.lastUsed = readyAt;
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
  private int prefetches;

  /** {@code bytesPerSecond} is per simulated second; preinstalled models are ready at time 0. */
  public ModelDisk(long budgetBytes, double bytesPerSecond, Map<String, Long> sizes, List<String> preinstalled) {
    this.budget = budgetBytes;
    this.bytesPerMs = bytesPerSecond / 1_000;
    this.sizes = Map.copyOf(sizes);
    for (String m : preinstalled) {
      long size = size(m);
      disk.put(m, new Entry(size, 0, 0));
      used += size;
    }
  }

  /** Pins {@code model} for a job starting at {@code now}, downloading it first when it is missing. */
  public synchronized Acquired acquire(String model, long now) {
    Entry e = disk.get(model);
    if (e != null) {
      e.pins++;
      e.lastUsed = Math.max(now, e.lastUsed);
      return new Acquired(e.readyAt <= now, Math.max(e.readyAt, now), false, List.of());
    }
    long size = size(model);
    List<String> evicted = makeRoom(size, now);
    if (used + size > budget) {
      overcommits++;
    }
    Entry added = download(model, size, now);
    added.pins = 1;
    return new Acquired(false, added.readyAt, true, evicted);
  }

  private Entry download(String model, long size, long now) {
    long start = Math.max(now, downloadsEnd);
    long ready = start + (long) Math.ceil(size / bytesPerMs);
    downloadsEnd = ready;
    downloads++;
    downloadedBytes += size;
    Entry added = new Entry(size, start, ready);
    disk.put(model, added);
    used += size;
    return added;
  }

  /**
   * A {@code prefetch_model} command: present when on disk and ready, joined when already
   * downloading, otherwise a download queued behind the running ones (evicting least recently used
   * models not in use first) — or refused, with nothing evicted, when the budget cannot be met
   * without evicting a model in use (as the supervisor's model manager refuses).
   */
  public synchronized Prefetch prefetch(String model, long now) {
    if (!sizes.containsKey(model)) {
      return new Prefetch("refused", -1, List.of(), "model " + model + " is not in the catalog");
    }
    Entry e = disk.get(model);
    if (e != null) {
      return new Prefetch(e.readyAt <= now ? "present" : "joined", e.readyAt, List.of(), null);
    }
    long size = size(model);
    long evictable = 0;
    for (Entry x : disk.values()) {
      if (x.pins == 0 && x.readyAt <= now) {
        evictable += x.size;
      }
    }
    if (used - evictable + size > budget) {
      return new Prefetch("refused", -1, List.of(), "model " + model + " (" + size + " bytes) does not fit in the budget of "
        + budget + " bytes without evicting a model in use");
    }
    List<String> evicted = makeRoom(size, now);
    prefetches++;
    Entry added = download(model, size, now);
    return new Prefetch("downloading", added.readyAt, evicted, null);
  }

  /** An {@code evict_model} command: absent, evicted, or refused (in use, or downloading). */
  public synchronized String evict(String model, long now) {
    Entry e = disk.get(model);
    if (e == null) {
      return "absent";
    }
    if (e.pins > 0 || e.readyAt > now) {
      return "refused";
    }
    disk.remove(model);
    used -= e.size;
    evictions++;
    return "evicted";
  }

  /** Every model on disk or downloading, for the inventory report. */
  public synchronized List<Item> items(long now) {
    List<Item> out = new ArrayList<>();
    for (Map.Entry<String, Entry> x : new ArrayList<>(disk.entrySet())) {
      Entry e = x.getValue();
      out.add(new Item(x.getKey(), e.size, e.readyAt <= now, e.pins, e.lastUsed, e.startedAt, e.readyAt));
    }
    return out;
  }

  public long budgetBytes() {
    return budget;
  }

  /** Downloads started by {@link #prefetch} (also counted in {@link #downloads()}). */
  public synchronized int prefetches() {
    return prefetches;
  }

  /** The job that pinned {@code model} ended. */
  public void release(String model) {
    release(model, 0);
  }

  /** The job that pinned {@code model} ended ({@code now}: its last use). */
  public synchronized void release(String model, long now) {
    Entry e = disk.get(model);
    if (e != null && e.pins > 0) {
      e.pins--;
      e.lastUsed = Math.max(now, e.lastUsed);
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
    return evicted;
  }
}
