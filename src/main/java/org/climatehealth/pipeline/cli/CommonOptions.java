package org.climatehealth.pipeline.cli;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.config.SettingsLoader;
import picocli.CommandLine.Option;

/** The options every command takes (a picocli mixin). */
public final class CommonOptions {

  @Option(names = "--env", paramLabel = "NAME", defaultValue = "local",
      description = "Configuration profile: conf/NAME.conf (default: ${DEFAULT-VALUE}).")
  String env;

  @Option(names = "--conf", paramLabel = "KEY=VALUE",
      description = "Override a configuration key, e.g. pipeline.stores.raw=s3://my-raw. Repeatable; later wins.")
  List<String> overrides = new ArrayList<>();

  @Option(names = "--conf-dir", paramLabel = "DIR",
      description = "Read the profile NAME.conf from DIR: a directory or s3://BUCKET[/PREFIX] (it must be there). "
          + "Default: the checkout's conf/ under scripts/pipeline, else the copy inside the jar.")
  String confDir;

  @Option(names = "--run-id", paramLabel = "ID",
      description = "Run identifier (default: generated from the UTC time).")
  String runId;

  @Option(names = {"-v", "--verbose"}, description = "On failure, print the stack trace after the error.")
  boolean verbose;

  private Settings settings;
  private String resolvedRunId;

  /** The validated settings of this invocation, built once. */
  public Settings settings() {
    if (settings == null) {
      runId(); // a bad --run-id is refused before any work starts
      settings = SettingsLoader.forInvocation(confDir).load(env, overrides);
    }
    return settings;
  }

  /** The run id given with --run-id, checked, or a generated one; the same on every call. */
  public String runId() {
    if (resolvedRunId == null) {
      resolvedRunId = runId == null ? RunIds.generate(Clock.systemUTC()) : RunIds.validate(runId);
    }
    return resolvedRunId;
  }

  public String env() {
    return env;
  }

  public List<String> overrides() {
    return List.copyOf(overrides);
  }
}
