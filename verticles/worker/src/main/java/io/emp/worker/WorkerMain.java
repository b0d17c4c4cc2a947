package io.emp.worker;

import io.emp.core.launch.EmpLauncher;

/** {@code java -jar emp-worker.jar} — configuration from {@code EMP_*} variables (docs/worker.md). */
public final class WorkerMain {
  private WorkerMain() {
  }

  public static void main(String[] args) {
    EmpLauncher.launch("worker", args, WorkerRole::deployables);
  }
}
