package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands the installer runs, as seen by the tests. {@code fake-pip} records each call (argv,
 * working directory, start and end in nanoseconds) and installs nothing; it fails in a directory
 * holding {@code pip-must-fail}. {@code git-wrapper} runs the real git, logging each call, and
 * holds every clone for half a second so that parallel clones visibly overlap.
 */
final class ToolFakes {
  final Path pip;
  final Path pipLog;
  final Path git;
  final Path gitLog;

  /** One logged call: {@code words} are argv after the program (pip) or the git arguments. */
  record Call(long startNanos, long endNanos, String cwd, List<String> words) {
    boolean overlaps(Call other) {
      return startNanos < other.endNanos && other.startNanos < endNanos;
    }
  }

  ToolFakes(Path dir) throws IOException {
    Files.createDirectories(dir);
    pipLog = dir.resolve("pip.log");
    gitLog = dir.resolve("git.log");
    pip = script(dir.resolve("fake-pip"), """
      #!/bin/sh
      start=$(date +%s%N)
      if [ -e pip-must-fail ]; then echo "ERROR: no matching distribution for nothing" >&2; exit 1; fi
      sleep 0.3
      printf '%s\\t%s\\t%s\\t%s\\n' "$start" "$(date +%s%N)" "$PWD" "$*" >> "$PIPLOG"
      """.replace("$PIPLOG", pipLog.toString()));
    git = script(dir.resolve("git-wrapper"), """
      #!/bin/sh
      export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
      start=$(date +%s%N)
      case " $* " in *" clone "*) sleep 0.5 ;; esac
      git -c protocol.file.allow=always "$@"
      rc=$?
      printf '%s\\t%s\\t%s\\t%s\\n' "$start" "$(date +%s%N)" "$PWD" "$*" >> "$GITLOG"
      exit $rc
      """.replace("$GITLOG", gitLog.toString()));
  }

  List<Call> pipCalls() throws IOException {
    return read(pipLog);
  }

  List<Call> gitCalls() throws IOException {
    return read(gitLog);
  }

  /** git calls whose arguments contain {@code word} (e.g. {@code clone}). */
  List<Call> gitCalls(String word) throws IOException {
    return gitCalls().stream().filter(c -> c.words().contains(word)).toList();
  }

  private static List<Call> read(Path log) throws IOException {
    List<Call> calls = new ArrayList<>();
    if (!Files.exists(log)) {
      return calls;
    }
    for (String line : Files.readAllLines(log)) {
      String[] f = line.split("\t", 4);
      calls.add(new Call(Long.parseLong(f[0]), Long.parseLong(f[1]), f[2], List.of(f[3].split(" "))));
    }
    return calls;
  }

  private static Path script(Path file, String text) throws IOException {
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
