package io.emp.worker.connector.openai;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * Settings of the {@code openai} connector (any OpenAI-compatible server: OpenAI, vLLM, llama.cpp,
 * LM Studio, Ollama's {@code /v1}, a gateway).
 *
 * @param baseUrl      {@code EMP_OPENAI_BASE_URL} (https://api.openai.com): requests go to
 *                     {@code <base>/v1/...}; a base ending in {@code /v1} is accepted as well
 * @param apiKey       {@code EMP_OPENAI_API_KEY} (none): sent as {@code Authorization: Bearer}; never logged,
 *                     never in a job's error or result ({@link #toString()} masks it)
 * @param service      {@code EMP_OPENAI_SERVICE} (openai): the service name jobs ask for
 * @param timeoutS     {@code EMP_OPENAI_TIMEOUT_S} (120): longest silence of a request (no byte of the answer)
 * @param organization {@code EMP_OPENAI_ORG} (none): sent as {@code OpenAI-Organization}
 */
public record OpenAiSettings(URI baseUrl, String apiKey, String service, int timeoutS, String organization) {
  public static final String DEFAULT_BASE_URL = "https://api.openai.com";
  public static final String DEFAULT_SERVICE = "openai";
  public static final int DEFAULT_TIMEOUT_S = 120;
  static final int MAX_TIMEOUT_S = 86_400;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
  /** Header values: visible ASCII only, so a value cannot inject another header. */
  private static final Pattern HEADER_VALUE = Pattern.compile("[\\x21-\\x7e]{1,512}");

  public static OpenAiSettings from(EnvConfig env) {
    String service = env.string("EMP_OPENAI_SERVICE", DEFAULT_SERVICE);
    if (!NAME.matcher(service).matches()) {
      throw new ConfigException("EMP_OPENAI_SERVICE=" + service + " must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    String key = env.raw("EMP_OPENAI_API_KEY");
    if (key != null && !HEADER_VALUE.matcher(key).matches()) {
      // the value itself is never echoed
      throw new ConfigException("EMP_OPENAI_API_KEY must be 1-512 visible ASCII characters without spaces");
    }
    String org = env.raw("EMP_OPENAI_ORG");
    if (org != null && !HEADER_VALUE.matcher(org).matches()) {
      throw new ConfigException("EMP_OPENAI_ORG=" + org + " must be 1-512 visible ASCII characters without spaces");
    }
    return new OpenAiSettings(
      baseUrl("EMP_OPENAI_BASE_URL", env.string("EMP_OPENAI_BASE_URL", DEFAULT_BASE_URL)),
      key,
      service,
      env.integer("EMP_OPENAI_TIMEOUT_S", DEFAULT_TIMEOUT_S, 1, MAX_TIMEOUT_S),
      org);
  }

  /** Defaults with another base URL and key (tests). */
  public static OpenAiSettings of(String baseUrl, String apiKey) {
    return new OpenAiSettings(baseUrl("url", baseUrl), apiKey, DEFAULT_SERVICE, DEFAULT_TIMEOUT_S, null);
  }

  public OpenAiSettings withTimeoutS(int seconds) {
    return new OpenAiSettings(baseUrl, apiKey, service, seconds, organization);
  }

  public OpenAiSettings withOrganization(String org) {
    return new OpenAiSettings(baseUrl, apiKey, service, timeoutS, org);
  }

  /** Never prints the API key. */
  @Override
  public String toString() {
    return "OpenAiSettings[baseUrl=" + displayUrl() + ", apiKey=" + (apiKey == null ? "none" : "***") + ", service="
      + service + ", timeoutS=" + timeoutS + ", organization=" + organization + "]";
  }

  /** The base URL as shown in messages: without user information. */
  String displayUrl() {
    return baseUrl.getScheme() + "://" + baseUrl.getHost() + ":" + port() + basePath();
  }

  int port() {
    return baseUrl.getPort() > 0 ? baseUrl.getPort() : "https".equals(baseUrl.getScheme()) ? 443 : 80;
  }

  boolean ssl() {
    return "https".equals(baseUrl.getScheme());
  }

  /** The path prefix before {@code /v1}, without a trailing slash ("" for none). */
  String basePath() {
    String p = baseUrl.getRawPath() == null ? "" : baseUrl.getRawPath();
    p = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    return p.endsWith("/v1") ? p.substring(0, p.length() - 3) : p;
  }

  static URI baseUrl(String variable, String value) {
    try {
      URI uri = new URI(value.trim());
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new ConfigException(variable + " must be an http(s) URL with a host and no query");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(variable + " is not a valid URL: " + e.getReason());
    }
  }
}
