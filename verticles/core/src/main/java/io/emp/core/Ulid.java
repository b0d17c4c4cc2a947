package io.emp.core;

import java.security.SecureRandom;
import java.util.function.LongSupplier;

/**
 * Monotonic ULID generator: 48-bit epoch milliseconds + 80 random bits in Crockford base32 (26
 * characters). Ids from one generator sort in creation order, also within one millisecond and when
 * the clock steps back, so a queue's tie-break by member order is submission order.
 */
public final class Ulid {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final long MASK_16 = 0xFFFFL;

  private final SecureRandom random = new SecureRandom();
  private final LongSupplier clock;
  private long lastMs = -1;
  private long hi16;
  private long lo64;

  public Ulid() {
    this(System::currentTimeMillis);
  }

  public Ulid(LongSupplier clock) {
    this.clock = clock;
  }

  public synchronized String next() {
    long now = clock.getAsLong();
    if (now > lastMs) {
      lastMs = now;
      hi16 = random.nextInt() & MASK_16;
      lo64 = random.nextLong();
    } else {
      increment();
    }
    return encode(lastMs, hi16, lo64);
  }

  private void increment() {
    lo64++;
    if (lo64 == 0) {
      hi16 = (hi16 + 1) & MASK_16;
      if (hi16 == 0) {
        lastMs++; // 2^80 ids in one millisecond: borrow the next one rather than repeat
      }
    }
  }

  static String encode(long ms, long hi16, long lo64) {
    char[] out = new char[26];
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (ms & 31)];
      ms >>>= 5;
    }
    // 80 random bits = hi16 (16 bits) followed by lo64; emit 16 groups of 5 bits, least significant last.
    long lo = lo64;
    long hi = hi16;
    for (int i = 25; i >= 10; i--) {
      out[i] = ALPHABET[(int) (lo & 31)];
      lo = (lo >>> 5) | ((hi & 31) << 59);
      hi >>>= 5;
    }
    return new String(out);
  }

  private static final java.util.regex.Pattern FORMAT = java.util.regex.Pattern.compile("[0-9A-HJKMNP-TV-Z]{26}");

  /** True for a well-formed ULID (26 characters of Crockford base32). */
  public static boolean isValid(String s) {
    return s != null && FORMAT.matcher(s).matches();
  }

  /** Epoch milliseconds encoded in a ULID. */
  public static long timestamp(String ulid) {
    long ms = 0;
    for (int i = 0; i < 10; i++) {
      ms = (ms << 5) | indexOf(ulid.charAt(i));
    }
    return ms;
  }

  private static int indexOf(char c) {
    for (int i = 0; i < ALPHABET.length; i++) {
      if (ALPHABET[i] == c) {
        return i;
      }
    }
    throw new IllegalArgumentException("not a ULID character: " + c);
  }
}
