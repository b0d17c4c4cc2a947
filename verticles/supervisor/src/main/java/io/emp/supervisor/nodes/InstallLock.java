package io.emp.supervisor.nodes;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One installer per custom_nodes directory at a time (bootstrap and a hand-started run could
 * otherwise clone the same node and race on the manifest). A file lock covers other processes; the
 * in-process lock covers other threads of this JVM, which the file lock does not.
 */
final class InstallLock implements AutoCloseable {
  static final String FILE_NAME = ".emp-install.lock";
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

  private final ReentrantLock local;
  private final FileChannel channel;
  private final FileLock lock;

  private InstallLock(ReentrantLock local, FileChannel channel, FileLock lock) {
    this.local = local;
    this.channel = channel;
    this.lock = lock;
  }

  /** Blocks until this process holds the directory; says so on {@code progress} when it has to wait. */
  static InstallLock acquire(Path customNodesDir, Progress progress) throws IOException {
    Path file = customNodesDir.resolve(FILE_NAME).toAbsolutePath().normalize();
    ReentrantLock local = IN_PROCESS.computeIfAbsent(file, f -> new ReentrantLock());
    if (!local.tryLock()) {
      progress.line("waiting for another install-nodes run on " + customNodesDir + " ...");
      local.lock();
    }
    FileChannel channel = null;
    try {
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        progress.line("waiting for another install-nodes process on " + customNodesDir + " (" + file + ") ...");
        lock = channel.lock();
      }
      return new InstallLock(local, channel, lock);
    } catch (IOException | RuntimeException e) {
      if (channel != null) {
        channel.close();
      }
      local.unlock();
      throw e;
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
      channel.close();
    } finally {
      local.unlock();
    }
  }
}
