package io.emp.supervisor.process;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${VAR}} substitution in spec strings. Forms: {@code ${VAR}} (unknown → error naming VAR),
 * {@code ${VAR:-default}} (default when VAR is unknown or empty), {@code ${PORT:<service>}} (the port of
 * that service's instance for the same GPU). {@code $${} writes a literal {@code ${}; any other
 * {@code $} is kept as is. Nothing is evaluated by a shell.
 */
final class Templates {
  private static final Pattern VARIABLE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)(?::-(.*)|:([A-Za-z0-9][A-Za-z0-9_.-]*))?",
    Pattern.DOTALL);

  /** Where variables come from; null = unknown. */
  interface Lookup {
    String variable(String name);

    /** The port of the named service's matching instance; throws with the reason when there is none. */
    String port(String service);
  }

  private Templates() {
  }

  /** The template with every reference replaced; {@link IllegalArgumentException} names the bad one. */
  static String resolve(String template, Lookup lookup) {
    StringBuilder out = new StringBuilder(template.length());
    int i = 0;
    while (i < template.length()) {
      if (template.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (template.startsWith("${", i)) {
        int end = template.indexOf('}', i + 2);
        if (end < 0) {
          throw new IllegalArgumentException("unclosed ${ in \"" + template + "\"");
        }
        out.append(expand(template.substring(i + 2, end), lookup));
        i = end + 1;
      } else {
        out.append(template.charAt(i++));
      }
    }
    return out.toString();
  }

  private static String expand(String body, Lookup lookup) {
    Matcher m = VARIABLE.matcher(body);
    if (!m.matches()) {
      throw new IllegalArgumentException("bad reference ${" + body + "}: use ${VAR}, ${VAR:-default} or ${PORT:service}");
    }
    String name = m.group(1);
    if (m.group(3) != null) {
      if (!name.equals("PORT")) {
        throw new IllegalArgumentException("bad reference ${" + body + "}: only PORT takes a service (${PORT:service});"
          + " a default is written ${VAR:-default}");
      }
      return lookup.port(m.group(3));
    }
    String value = lookup.variable(name);
    if (value != null && !value.isEmpty()) {
      return value;
    }
    if (m.group(2) != null) {
      return m.group(2);
    }
    throw new IllegalArgumentException("unknown variable ${" + name + "}: not set in the environment and no default"
      + " (write ${" + name + ":-default})");
  }
}
