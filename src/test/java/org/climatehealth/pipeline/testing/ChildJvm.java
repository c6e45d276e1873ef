package org.climatehealth.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.climatehealth.pipeline.Main;

/**
 * The pipeline's main class in a child JVM with this test JVM's classpath and module options, so
 * a test can kill it (SIGKILL) mid-run. Works before the jar is built (unit tests) and after.
 */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final Path err;

  private ChildJvm(Process process, Path err) {
    this.process = process;
    this.err = err;
  }

  /** Starts {@code Main args} with extra JVM options (e.g. {@code -Dpipeline.fault-injection=...}). */
  public static ChildJvm start(Path workDir, List<String> jvmOptions, List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (option.startsWith("--add-opens") || option.startsWith("-XX:+IgnoreUnrecognized")
          || option.startsWith("-Djdk.reflect") || option.startsWith("-Dio.netty") || option.startsWith("-Dlog4j2")) {
        command.add(option);
      }
    }
    // the checkout's profiles, whatever the child's working directory
    command.add("-Dpipeline.conf.dir=" + Path.of(System.getProperty("pipeline.conf.dir", "conf")).toAbsolutePath());
    command.add("-Xmx1g");
    command.addAll(ScriptRun.SHORT_LIVED_JVM);
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(args);
    try {
      Files.createDirectories(workDir);
      Path out = Files.createTempFile(workDir, "child-out-", ".txt");
      Path err = Files.createTempFile(workDir, "child-err-", ".txt");
      ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().keySet().removeIf(k -> k.startsWith("AWS_"));
      builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
      return new ChildJvm(builder.start(), err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until {@code condition} holds (polled every 20 ms), failing if the child ends first or time runs out. */
  public void awaitCondition(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (!process.isAlive()) {
        throw new AssertionError("the child ended (exit " + process.exitValue() + ") before " + what + ":\n" + err());
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no " + what + " within " + timeout + ":\n" + err());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Waits until the child pauses at a fault-injection point. */
  public void awaitPause(Duration timeout) {
    awaitCondition("pause", timeout, () -> err().contains("pipeline: paused at"));
  }

  /** Kills the child with SIGKILL (no shutdown hooks, no finally blocks) and waits for it to be gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the child did not die");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** What the child wrote to stderr so far. */
  public String err() {
    try {
      return Files.readString(err, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
