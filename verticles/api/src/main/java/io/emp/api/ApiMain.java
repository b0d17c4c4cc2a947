package io.emp.api;

import io.emp.core.launch.EmpLauncher;
import java.util.List;

/** {@code java -jar emp-api.jar} — configuration from EMP_* variables (docs/api.md). */
public final class ApiMain {
  private ApiMain() {
  }

  public static void main(String[] args) {
    EmpLauncher.launch("api", args, env -> List.of(new ApiVerticle(ApiConfig.from(env))));
  }
}
