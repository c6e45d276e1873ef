package org.climatehealth.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One run of a project script ({@code scripts/...}) as a child process, with what it printed.
 * Nothing of this machine's AWS set-up leaks in (no {@code AWS_*}, {@code GLUE_*} or
 * {@code *_BUCKET} variables, no credentials or config file), and the AWS credential chain never
 * probes the instance-metadata address; {@code env} adds or replaces variables.
 *
 * <p>The JVMs the scripts start get {@link #SHORT_LIVED_JVM} added to {@code PIPELINE_JAVA_OPTS}
 * (default here {@code -Xmx2g}) and {@code PIPELINE_DRIVER_JAVA_OPTS}.
 */
public record ScriptRun(int exitCode, String out, String err) {

  /**
   * JVM options for the tests' short-lived child JVMs: the client compiler only and the serial
   * collector. Same behaviour, about half the CPU time for a cold JVM's run of a small job (a cold
   * {@code process} of 4 locations x 60 days: 42 s of CPU with the defaults, 22 s with these), which
   * is what a 2-core machine running two test JVMs runs short of. Long runs would be slower.
   */
  public static final List<String> SHORT_LIVED_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  /** The project directory (failsafe sets {@code pipeline.home}). */
  public static final Path HOME = Path.of(System.getProperty("pipeline.home", ".")).toAbsolutePath();

  public static ScriptRun run(Path workDir, Map<String, String> env, Duration timeout, List<String> command) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("GLUE_") || k.endsWith("_BUCKET"));
    environment.put("AWS_EC2_METADATA_DISABLED", "true");
    environment.put("AWS_SHARED_CREDENTIALS_FILE", workDir.resolve("no-credentials").toString());
    environment.put("AWS_CONFIG_FILE", workDir.resolve("no-config").toString());
    environment.putAll(env);
    String quick = String.join(" ", SHORT_LIVED_JVM);
    environment.merge("PIPELINE_JAVA_OPTS", "-Xmx2g " + quick, (given, added) -> given + " " + quick);
    environment.merge("PIPELINE_DRIVER_JAVA_OPTS", quick, (given, added) -> given + " " + quick);
    try {
      Path out = Files.createTempFile(workDir, "stdout-", ".txt");
      Path err = Files.createTempFile(workDir, "stderr-", ".txt");
      Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      boolean finished = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
      if (!finished) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
      }
      assertThat(finished).as("%s finished within %s", command.get(0), timeout).isTrue();
      return new ScriptRun(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public List<String> outLines() {
    return out.lines().toList();
  }

  public List<String> errLines() {
    return err.lines().toList();
  }
}
