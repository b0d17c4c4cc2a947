package io.emp.worker.connector;

import io.emp.core.config.ConfigException;
import io.emp.core.config.EnvConfig;
import io.emp.worker.connector.a1111.A1111Connector;
import io.emp.worker.connector.a1111.A1111Settings;
import io.emp.worker.connector.comfyui.ComfyUiConnector;
import io.emp.worker.connector.comfyui.ComfyUiSettings;
import io.emp.worker.connector.ollama.OllamaConnector;
import io.emp.worker.connector.ollama.OllamaSettings;
import io.emp.worker.connector.openai.OpenAiConnector;
import io.emp.worker.connector.openai.OpenAiSettings;
import io.emp.worker.connector.rest.RestAsyncConnector;
import io.emp.worker.connector.rest.RestAsyncSettings;
import io.emp.worker.connector.rest.RestSettings;
import io.emp.worker.connector.rest.RestSyncConnector;
import io.emp.worker.connector.simulation.SimulationConnector;
import io.emp.worker.connector.simulation.SimulationSettings;
import io.emp.worker.connector.websocket.WebSocketConnector;
import io.emp.worker.connector.websocket.WebSocketSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Connector names ({@code EMP_CONNECTORS}) mapped to how to build them. Adding a connector is one
 * line in {@link #defaults()}: its name, a settings parser that reads and validates its own
 * {@code EMP_*} variables (throwing {@link ConfigException} naming the variable), and a constructor
 * taking those settings and the worker's {@link ConnectorEnv}.
 */
public final class ConnectorRegistry {

  /** Builds one connector instance for one worker from the connector's parsed settings. */
  @FunctionalInterface
  public interface Factory<S> {
    Connector create(S settings, ConnectorEnv env);
  }

  /** A connector whose settings were parsed and validated; {@link #create} is called once per worker. */
  public interface Prepared {
    String name();

    Connector create(ConnectorEnv env);
  }

  private final Map<String, Entry<?>> entries = new LinkedHashMap<>();

  /** The connectors this build ships. */
  public static ConnectorRegistry defaults() {
    return new ConnectorRegistry()
      .register("simulation", SimulationSettings::from, SimulationConnector::new)
      .register("comfyui", ComfyUiSettings::from, ComfyUiConnector::new)
      .register("ollama", OllamaSettings::from, OllamaConnector::new)
      .register("openai", OpenAiSettings::from, OpenAiConnector::new)
      .register("a1111", A1111Settings::from, A1111Connector::new)
      .register("rest", RestSettings::from, RestSyncConnector::new)
      .register("rest_async", RestAsyncSettings::from, RestAsyncConnector::new)
      .register("websocket", WebSocketSettings::from, WebSocketConnector::new);
  }

  /** Adds (or replaces) a connector under {@code name} (lower case, as written in {@code EMP_CONNECTORS}). */
  public <S> ConnectorRegistry register(String name, Function<EnvConfig, S> settings, Factory<S> factory) {
    entries.put(name, new Entry<>(name, settings, factory));
    return this;
  }

  public Set<String> names() {
    return Set.copyOf(entries.keySet());
  }

  public boolean knows(String name) {
    return entries.containsKey(name);
  }

  /** Parses the settings of each named connector, in order. Throws {@link ConfigException} for any problem. */
  public List<Prepared> prepare(List<String> names, EnvConfig env) {
    List<Prepared> out = new ArrayList<>();
    for (String name : names) {
      Entry<?> e = entries.get(name);
      if (e == null) {
        throw new ConfigException("EMP_CONNECTORS: unknown connector '" + name + "'; known: " + String.join(", ", entries.keySet()));
      }
      out.add(e.prepare(env));
    }
    return out;
  }

  private record Entry<S>(String name, Function<EnvConfig, S> settings, Factory<S> factory) {
    Prepared prepare(EnvConfig env) {
      S parsed = settings.apply(env);
      return new Prepared() {
        @Override
        public String name() {
          return name;
        }

        @Override
        public Connector create(ConnectorEnv connectorEnv) {
          return factory.create(parsed, connectorEnv);
        }
      };
    }
  }
}
