package io.emp.supervisor.process;

import java.util.Collection;

/** A start/stop/restart named neither an instance nor a service; the message lists the known names. */
public final class UnknownServiceException extends IllegalArgumentException {
  public UnknownServiceException(String name, Collection<String> known) {
    super("unknown service '" + name + "' (known: " + String.join(", ", known) + ")");
  }
}
