package org.climatehealth.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one benchmarked program as a child process and measures it from outside: wall time (start
 * to exit) and peak resident memory. The peak is the largest high-water mark ({@code VmHWM} in
 * {@code /proc/<pid>/status}, kept by the kernel) of the child and its descendants, read every
 * {@value #POLL_MILLIS} ms: what {@code /usr/bin/time} reports as maximum resident set size. Only
 * growth in the last poll interval before exit can escape it. (Not a sum over processes: a JVM
 * forks short-lived helpers, and a child caught between fork and exec shows its parent's memory.)
 * A child whose resident memory goes over the memory budget is stopped: on a shared machine that
 * is kinder than the kernel's OOM killer, and the report says it did not fit.
 */
final class ChildProcess {
  static final long POLL_MILLIS = 50;

  /** How a child ended and what it used. {@code peakRssBytes} is -1 where /proc is not available. */
  record Result(int exitCode, double wallSeconds, long peakRssBytes, boolean timedOut, boolean overBudget,
      Path stdout, Path stderr) {
    boolean succeeded() {
      return exitCode == 0 && !timedOut && !overBudget;
    }
  }

  private ChildProcess() {}

  static Result run(List<String> command, Map<String, String> env, Path workDir, Path logDir, String name,
      Duration timeout, long memoryBudgetBytes) {
    try {
      Files.createDirectories(logDir);
      Path out = logDir.resolve(name + ".out.log");
      Path err = logDir.resolve(name + ".err.log");
      ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().putAll(env);
      long started = System.nanoTime();
      Process process = builder.start();
      Map<Long, Long> peaks = new HashMap<>();
      boolean timedOut = false;
      boolean overBudget = false;
      long deadline = started + timeout.toNanos();
      while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
        long rss = sample(process, peaks);
        if (memoryBudgetBytes > 0 && rss > memoryBudgetBytes) {
          overBudget = true;
          stop(process);
          break;
        }
        if (System.nanoTime() > deadline) {
          timedOut = true;
          stop(process);
          break;
        }
      }
      process.waitFor();
      double wall = (System.nanoTime() - started) / 1e9;
      long peak = peaks.values().stream().mapToLong(Long::longValue).max().orElse(-1);
      return new Result(process.exitValue(), wall, peak, timedOut, overBudget, out, err);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + name, e);
    }
  }

  /** Updates each live process's high-water mark; returns the largest resident bytes among them now. */
  private static long sample(Process process, Map<Long, Long> peaks) {
    long rss = sample(process.pid(), peaks);
    for (ProcessHandle child : process.descendants().toList()) {
      rss = Math.max(rss, sample(child.pid(), peaks));
    }
    return rss;
  }

  private static long sample(long pid, Map<Long, Long> peaks) {
    Path status = Path.of("/proc/" + pid + "/status");
    try {
      long hwm = -1;
      long rss = 0;
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          hwm = kilobytes(line) * 1024;
        } else if (line.startsWith("VmRSS:")) {
          rss = kilobytes(line) * 1024;
        }
      }
      if (hwm >= 0) {
        peaks.merge(pid, hwm, Math::max);
      }
      return rss;
    } catch (IOException | RuntimeException e) {
      return 0; // gone between listing and reading, or no /proc here
    }
  }

  private static long kilobytes(String line) {
    return Long.parseLong(line.replaceAll("[^0-9]", ""));
  }

  private static void stop(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  /** The last {@code lines} lines of a log, for an error message. */
  static String tail(Path log, int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + log + ")";
    }
  }
}
