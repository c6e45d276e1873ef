package org.climatehealth.pipeline.report;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.climatehealth.pipeline.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Collects the facts of a run while it works, then produces its {@link RunReport}, writes it to
 * the processed store and renders the stdout summary. One recorder per run; not thread-safe.
 */
public final class RunRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);

  private final Clock clock;
  private final String runId;
  private final String command;
  private final String env;
  private final Instant startedAt;
  private final List<RunReport.InputFile> inputs = new ArrayList<>();
  private final List<RunReport.Output> outputs = new ArrayList<>();
  private final Map<String, Object> details = new LinkedHashMap<>();
  private RunReport.Quality quality;

  /** The command this run records. */
  public String command() {
    return command;
  }

  public RunRecorder(Clock clock, String runId, String command, String env) {
    this.clock = clock;
    this.runId = runId;
    this.command = command;
    this.env = env;
    this.startedAt = clock.instant();
  }

  public RunRecorder input(RunReport.InputFile input) {
    inputs.add(input);
    return this;
  }

  public RunRecorder output(RunReport.Output output) {
    outputs.add(output);
    return this;
  }

  /** A command-specific fact (a count, a flag), kept in insertion order. */
  public RunRecorder detail(String name, Object value) {
    details.put(name, value);
    return this;
  }

  /** The run's dataset-level quality checks: the report's {@code quality} section. */
  public RunRecorder quality(RunReport.Quality quality) {
    this.quality = quality;
    return this;
  }

  public RunReport succeeded() {
    return finish(RunReport.SUCCESS, null);
  }

  /** The run did its work but a model missed its quality gate ({@code message} says which and by how much). */
  public RunReport gateFailed(String message) {
    return finish(RunReport.GATE_FAILED, new RunReport.Failure(message, "GateFailed"));
  }

  public RunReport failed(Throwable failure) {
    String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
    return finish(RunReport.FAILED, new RunReport.Failure(message, failure.getClass().getSimpleName()));
  }

  private RunReport finish(String status, RunReport.Failure error) {
    Instant finishedAt = clock.instant();
    double seconds = Duration.between(startedAt, finishedAt).toMillis() / 1000.0;
    return new RunReport(runId, command, status, startedAt.toString(), finishedAt.toString(), seconds, env,
        List.copyOf(inputs), List.copyOf(outputs), new LinkedHashMap<>(details), quality, error);
  }

  /**
   * Writes the report to {@code processed}; returns where, or null when it could not be written
   * (logged: a report that cannot be written must not hide the run's own outcome).
   */
  public static String write(Storage processed, RunReport report) {
    try {
      processed.writeJson(report.key(), report);
      return processed.uri().resolve(report.key()).toString();
    } catch (RuntimeException e) {
      LOG.warn("could not write the run report {}: {}", report.key(), e.getMessage());
      return null;
    }
  }

  /** One line: how many quality checks ran and which failed, by level. */
  static String qualitySummary(List<RunReport.QualityCheck> checks) {
    List<String> warned = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (RunReport.QualityCheck check : checks) {
      if (!check.passed()) {
        String name = check.dataset() + " " + check.check() + (check.column() == null ? "" : " " + check.column());
        ("error".equals(check.level()) ? errors : warned).add(name);
      }
    }
    return String.format(Locale.ROOT, "quality: %d checks, %d passed, %d warnings%s, %d errors%s", checks.size(),
        checks.size() - warned.size() - errors.size(), warned.size(),
        warned.isEmpty() ? "" : " (" + String.join(", ", warned) + ")", errors.size(),
        errors.isEmpty() ? "" : " (" + String.join(", ", errors) + ")");
  }

  /** The stdout lines that end every job: the same facts as the report's head. */
  public static List<String> summary(RunReport report, String location) {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, "run_id=%s command=%s status=%s duration_s=%.3f", report.runId(),
        report.command(), report.status(), report.durationS()));
    lines.add("started_at=" + report.startedAt() + " finished_at=" + report.finishedAt());
    if (report.quality() != null) {
      lines.add(qualitySummary(report.quality().checks()));
    }
    if (location != null) {
      lines.add("report: " + location);
    }
    return lines;
  }
}
