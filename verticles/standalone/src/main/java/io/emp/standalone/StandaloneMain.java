package io.emp.standalone;

import io.emp.core.launch.EmpLauncher;
import io.emp.core.store.LuaLibrary;
import java.util.List;

/**
 * {@code java -jar emp-standalone.jar}: api + router + a simulated GPU machine in one JVM, then a
 * banner with the URLs, the token and a curl example on standard output.
 */
public final class StandaloneMain {
  private StandaloneMain() {
  }

  public static void main(String[] args) {
    StandaloneVerticle[] holder = new StandaloneVerticle[1];
    StandaloneSettings.Applied[] applied = new StandaloneSettings.Applied[1];
    EmpLauncher.launch("standalone", args, env -> {
      applied[0] = StandaloneSettings.apply(env);
      holder[0] = new StandaloneVerticle(applied[0].env());
      return List.of(holder[0]);
    });
    System.out.println(Banner.text(holder[0], applied[0], LuaLibrary.fromClasspath().version()));
  }
}
