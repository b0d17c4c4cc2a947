package io.emp.router;

import io.emp.core.launch.EmpLauncher;
import java.util.List;

/** {@code java -jar emp-router.jar} — configuration from EMP_* variables (docs/configuration.md). */
public final class RouterMain {
  private RouterMain() {
  }

  public static void main(String[] args) {
    EmpLauncher.launch("router", args, env -> List.of(new RouterVerticle(RouterConfig.from(env))));
  }
}
