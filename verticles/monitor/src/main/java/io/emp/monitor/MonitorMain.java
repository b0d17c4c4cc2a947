package io.emp.monitor;

import io.emp.core.launch.EmpLauncher;
import java.util.List;

/** {@code java -jar emp-monitor.jar} — configuration from EMP_* variables (docs/monitor.md). */
public final class MonitorMain {
  private MonitorMain() {
  }

  public static void main(String[] args) {
    EmpLauncher.launch("monitor", args, env -> List.of(new MonitorVerticle(MonitorConfig.from(env))));
  }
}
