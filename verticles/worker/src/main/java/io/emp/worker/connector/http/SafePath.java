package io.emp.worker.connector.http;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Resolves a path a job payload asks for against a configured base URL, allowing only paths below
 * that base: an absolute URL, a scheme-relative {@code //host}, {@code ..} segments (also
 * percent-encoded), backslashes and control characters are refused. The original REST connector let
 * a payload choose any URL; here the operator's base URL is the boundary.
 */
public final class SafePath {
  private SafePath() {
  }

  /**
   * @return the absolute URI under {@code base}
   * @throws IllegalArgumentException naming the problem (a permanent, non-retryable job failure)
   */
  public static URI resolve(URI base, String path) {
    if (path == null || path.isEmpty()) {
      return base;
    }
    String p = path.trim();
    String lower = p.toLowerCase();
    if (p.contains("://") || p.startsWith("//") || lower.startsWith("http:") || lower.startsWith("https:")) {
      throw new IllegalArgumentException("path must be relative to the configured base URL, not an absolute URL: " + path);
    }
    if (p.contains("\\") || p.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw new IllegalArgumentException("path contains a backslash or a control character");
    }
    String decoded = lower.replace("%2e", ".").replace("%2f", "/");
    for (String segment : decoded.split("[/?#]")) {
      if (segment.equals("..") || segment.equals(".")) {
        throw new IllegalArgumentException("path must not contain '.' or '..' segments: " + path);
      }
    }
    String basePath = base.getPath() == null || base.getPath().isEmpty() ? "/" : base.getPath();
    String joined = (basePath.endsWith("/") ? basePath : basePath + "/") + (p.startsWith("/") ? p.substring(1) : p);
    try {
      URI resolved = new URI(base.getScheme() + "://" + base.getRawAuthority() + joined);
      if (!resolved.getHost().equals(base.getHost()) || resolved.getPort() != base.getPort()) {
        throw new IllegalArgumentException("path leaves the configured host");
      }
      return resolved;
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("path is not a valid URL path: " + e.getMessage());
    }
  }
}
