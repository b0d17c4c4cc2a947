package io.emp.core;

import java.util.regex.Pattern;

/**
 * The one place Redis key names are built. Every key of a namespace starts with {@code emp:{<ns>}:};
 * the hash tag keeps a namespace in one Redis Cluster slot. The function library derives its keys
 * from {@link #prefix()}; Java only names the keys it reads or blocks on directly.
 */
public final class Keys {
  public static final String DEFAULT_NAMESPACE = "main";
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

  private final String namespace;
  private final String prefix;

  public Keys(String namespace) {
    if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("namespace must be 1-64 characters of [A-Za-z0-9_.-], got: " + namespace);
    }
    this.namespace = namespace;
    this.prefix = "emp:{" + namespace + "}:";
  }

  public String namespace() {
    return namespace;
  }

  /** KEYS[1] of every library function. */
  public String prefix() {
    return prefix;
  }

  public String events() {
    return prefix + "events";
  }

  public String job(String id) {
    return prefix + "job:" + id;
  }

  public String workerWake(String workerId) {
    return prefix + "worker:" + workerId + ":wake";
  }

  public String workerControl(String workerId) {
    return prefix + "worker:" + workerId + ":ctl";
  }

  /** A machine's command stream, read by its supervisor. */
  public String machineCommands(String machineId) {
    return prefix + "machine:" + machineId + ":commands";
  }

  public String config() {
    return prefix + "cfg";
  }

  /** HASH routing signature → canonical descriptor {@code {"s": service, "p": pool, "r": requirements}}. */
  public String signatureDescriptors() {
    return prefix + "sigd";
  }
}
