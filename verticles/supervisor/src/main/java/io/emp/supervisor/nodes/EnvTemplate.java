package io.emp.supervisor.nodes;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The value syntax of a node's {@code env} entries: literal text with {@code ${VAR}} and
 * {@code ${VAR:-default}} references. Nothing else is special: {@code $VAR} without braces and a
 * lone {@code $} stay literal, and a default is literal text (no nesting). The original treated a
 * literal value as a variable name and wrote {@code KEY=} when a variable was unset; here literal
 * text is literal and an unset variable is an error.
 *
 * <p>A variable that is unset <em>or empty</em> counts as missing, as with the shell's {@code :-};
 * write {@code ${VAR:-}} to allow an empty value.
 */
final class EnvTemplate {
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private EnvTemplate() {
  }

  /** A {@code ${VAR}} without default whose variable is unset or empty. */
  static final class MissingVariable extends Exception {
    final String variable;

    MissingVariable(String variable) {
      super("variable " + variable + " is not set");
      this.variable = variable;
    }
  }

  /** @return null when the template parses, else what is wrong with it */
  static String syntaxError(String template) {
    try {
      expand(template, Map.of(), true);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    } catch (MissingVariable e) {
      throw new IllegalStateException("unreachable: syntax check reads no variables", e);
    }
  }

  /**
   * @param env the variables (the supervisor's environment)
   * @return the template with every reference replaced
   * @throws MissingVariable naming the first reference without a value and without a default
   */
  static String expand(String template, Map<String, String> env) throws MissingVariable {
    return expand(template, env, false);
  }

  private static String expand(String template, Map<String, String> env, boolean syntaxOnly)
    throws MissingVariable {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < template.length()) {
      int start = template.indexOf("${", i);
      if (start < 0) {
        out.append(template, i, template.length());
        break;
      }
      out.append(template, i, start);
      int end = template.indexOf('}', start + 2);
      if (end < 0) {
        throw new IllegalArgumentException("unterminated ${ at position " + start);
      }
      out.append(resolve(template.substring(start + 2, end), env, syntaxOnly));
      i = end + 1;
    }
    return out.toString();
  }

  private static String resolve(String reference, Map<String, String> env, boolean syntaxOnly)
    throws MissingVariable {
    int sep = reference.indexOf(":-");
    String name = sep < 0 ? reference : reference.substring(0, sep);
    if (!VARIABLE.matcher(name).matches()) {
      throw new IllegalArgumentException("'${" + reference + "}' is not ${NAME} or ${NAME:-default}");
    }
    if (syntaxOnly) {
      return "";
    }
    String value = env.get(name);
    if (value != null && !value.isEmpty()) {
      return value;
    }
    if (sep >= 0) {
      return reference.substring(sep + 2);
    }
    throw new MissingVariable(name);
  }
}
