package org.climatehealth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.generate.GeneratorManifest;

/**
 * The benchmark's report: the machine, the input, one row per implementation (wall time, setup
 * time, rows/s, input MB/s, MB/s per core, peak RSS) and the agreement check; written as
 * {@code report.json} and {@code report.md} (and a timestamped copy of each) in the report folder,
 * and printed. MB are 10^6 bytes.
 */
final class BenchReport {
  static final String JSON_FILE = "report.json";
  static final String MARKDOWN_FILE = "report.md";

  private final Instant started;
  private final Machine machine;
  private final Map<String, Object> settings = new LinkedHashMap<>();
  private final Map<String, Object> input = new LinkedHashMap<>();
  private final List<Run> runs = new ArrayList<>();
  private Agreement.Result agreement;
  private String generationError;
  private long inputRows;
  private long inputBytes;

  BenchReport(Instant started, Machine machine) {
    this.started = started;
    this.machine = machine;
  }

  Machine machine() {
    return machine;
  }

  BenchReport setting(String name, Object value) {
    settings.put(name, value);
    return this;
  }

  void generation(Double seconds, boolean reused) {
    input.put("generated_seconds", seconds);
    input.put("reused", reused);
  }

  void generationFailed(String error) {
    generationError = error;
  }

  void input(GeneratorManifest manifest, Path raw) {
    long files = 0;
    Map<String, Object> datasets = new LinkedHashMap<>();
    for (Map.Entry<String, GeneratorManifest.DatasetManifest> entry : manifest.datasets().entrySet()) {
      GeneratorManifest.DatasetManifest dataset = entry.getValue();
      files += dataset.files().size();
      inputRows += dataset.rowsWritten();
      inputBytes += dataset.bytesWritten();
      datasets.put(entry.getKey(), Map.of("files", dataset.files().size(), "rows", dataset.rowsWritten(),
          "bytes", dataset.bytesWritten()));
    }
    input.put("raw_store", raw.toString());
    input.put("files", files);
    input.put("rows", inputRows);
    input.put("bytes", inputBytes);
    input.put("datasets", datasets);
  }

  /** A raw store given as it is: its files, their data lines (not blank, not the header) and bytes. */
  void input(Path raw) {
    Map<String, Object> datasets = new LinkedHashMap<>();
    long files = 0;
    for (Map.Entry<RawDataset, List<Path>> entry : Floors.rawFiles(raw).entrySet()) {
      long rows = 0;
      long bytes = 0;
      for (Path file : entry.getValue()) {
        // bytes as Latin-1: a line that is not UTF-8 (the generator writes some) is counted, not an error
        try (Stream<String> lines = Files.lines(file, StandardCharsets.ISO_8859_1)) {
          rows += lines.skip(1).filter(l -> !l.isBlank()).count();
          bytes += Files.size(file);
        } catch (IOException | UncheckedIOException e) {
          throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
      }
      files += entry.getValue().size();
      inputRows += rows;
      inputBytes += bytes;
      datasets.put(entry.getKey().tableName(), Map.of("files", entry.getValue().size(), "rows", rows, "bytes", bytes));
    }
    input.put("raw_store", raw.toString());
    input.put("files", files);
    input.put("rows", inputRows);
    input.put("bytes", inputBytes);
    input.put("datasets", datasets);
    input.put("given", true);
  }

  /** One implementation's line of the report. */
  final class Run {
    final Implementations.Impl impl;
    String status;
    String note;
    Integer exitCode;
    Double wallSeconds;
    Double setupSeconds;
    Long peakRssBytes;
    Map<String, Object> stages = new LinkedHashMap<>();
    Map<String, Object> facts = new LinkedHashMap<>();
    String logs;

    Run(Implementations.Impl impl) {
      this.impl = impl;
    }

    /** Adds stage times the implementation reported elsewhere (Spark's run report). */
    void stagesFrom(JsonNode stageSeconds) {
      stageSeconds.fields().forEachRemaining(e -> stages.putIfAbsent(e.getKey(), e.getValue().asDouble()));
    }

    void failed(String why) {
      status = "failed";
      note = why;
    }

    String oneLine() {
      if (!status.equals("ok")) {
        return status + (note == null ? "" : ": " + note);
      }
      return String.format(Locale.ROOT, "ok in %.1f s%s, peak RSS %s", wallSeconds,
          setupSeconds == null ? "" : String.format(Locale.ROOT, " (setup %.1f s)", setupSeconds), megabytes(peakRssBytes));
    }

    Map<String, Object> toJson() {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("name", impl.name());
      json.put("description", impl.description());
      json.put("kind", impl.kind().name().toLowerCase(Locale.ROOT));
      json.put("status", status);
      json.put("note", note);
      json.put("exit_code", exitCode);
      json.put("cores", impl.cores());
      json.put("wall_seconds", wallSeconds);
      json.put("setup_seconds", setupSeconds);
      json.put("work_seconds", wallSeconds == null || setupSeconds == null ? null
          : ChildTimings.round(wallSeconds - setupSeconds));
      boolean measured = "ok".equals(status) && wallSeconds != null && wallSeconds > 0;
      json.put("rows_per_second", measured ? Math.round(inputRows / wallSeconds) : null);
      json.put("input_mb_per_second", measured ? round1(inputBytes / 1e6 / wallSeconds) : null);
      json.put("mb_per_second_per_core", measured ? round1(inputBytes / 1e6 / wallSeconds / impl.cores()) : null);
      json.put("peak_rss_bytes", peakRssBytes);
      json.put("stage_seconds", stages);
      json.put("facts", facts);
      json.put("logs", logs);
      return json;
    }
  }

  Run skipped(Implementations.Impl impl, String why) {
    Run run = new Run(impl);
    run.status = "skipped";
    run.note = why;
    runs.add(run);
    return run;
  }

  Run ran(Implementations.Impl impl, ChildProcess.Result result, JsonNode timings) {
    Run run = new Run(impl);
    run.exitCode = result.exitCode();
    run.wallSeconds = ChildTimings.round(result.wallSeconds());
    run.peakRssBytes = result.peakRssBytes() < 0 ? null : result.peakRssBytes();
    run.logs = result.stderr().toString();
    if (result.overBudget()) {
      run.status = "did not fit";
      run.note = String.format(Locale.ROOT, "stopped after %.0f s when its resident memory went over the budget of %s"
          + " (--memory-budget-gb)", result.wallSeconds(), megabytes((Long) settings.get("memory_budget_bytes")));
    } else if (result.timedOut()) {
      run.status = "timed out";
      run.note = "stopped after " + Math.round(result.wallSeconds()) + " s (--timeout-minutes)";
    } else if (result.exitCode() != 0) {
      run.failed("exit " + result.exitCode() + "; last lines of " + result.stderr() + ":\n"
          + ChildProcess.tail(result.stderr(), 15));
    } else {
      run.status = "ok";
    }
    if (timings != null) {
      JsonNode setup = timings.get(ChildTimings.SETUP_SECONDS);
      run.setupSeconds = setup == null ? null : setup.asDouble();
      timings.path(ChildTimings.STAGES).fields().forEachRemaining(e -> run.stages.put(e.getKey(), e.getValue().asDouble()));
      timings.fields().forEachRemaining(e -> {
        if (!e.getKey().equals(ChildTimings.SETUP_SECONDS) && !e.getKey().equals(ChildTimings.STAGES)) {
          run.facts.put(e.getKey(), e.getValue().isNumber() ? e.getValue().numberValue() : e.getValue().asText());
        }
      });
    }
    runs.add(run);
    return run;
  }

  void agreement(Agreement.Result result) {
    agreement = result;
  }

  /** Whether the run succeeded: every implementation that ran finished (or did not fit), and they agree. */
  boolean passed() {
    if (generationError != null || agreement == null) {
      return false;
    }
    boolean finished = runs.stream().allMatch(r -> List.of("ok", "skipped", "did not fit").contains(r.status));
    boolean compared = agreement.implementations().size() > 1;
    return finished && compared && agreement.agrees();
  }

  /** Writes report.json and report.md (and timestamped copies), prints the Markdown; returns the exit code. */
  int finish(Path reports, Path runsDir) {
    Instant finished = Instant.now();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("started_at", started.toString());
    json.put("finished_at", finished.toString());
    json.put("passed", passed());
    Map<String, Object> machineJson = new LinkedHashMap<>();
    machineJson.put("cores", machine.cores());
    machineJson.put("cpu", machine.cpu());
    machineJson.put("memory_total_bytes", machine.memoryTotalBytes());
    machineJson.put("memory_available_bytes_at_start", machine.memoryAvailableBytes());
    machineJson.put("load_average_at_start", machine.loadAverageAtStart());
    machineJson.put("load_average_at_end", Machine.currentLoadAverage());
    machineJson.put("os", machine.os());
    machineJson.put("java", machine.java());
    json.put("machine", machineJson);
    json.put("settings", settings);
    json.put("input", input);
    json.put("generation_error", generationError);
    json.put("implementations", runs.stream().map(Run::toJson).toList());
    if (agreement != null) {
      Map<String, Object> agreementJson = new LinkedHashMap<>();
      agreementJson.put("passed", agreement.agrees() && agreement.implementations().size() > 1);
      agreementJson.put("compared", agreement.implementations());
      agreementJson.put("items_compared", agreement.itemsCompared());
      agreementJson.put("relative_tolerance", Agreement.RELATIVE_TOLERANCE);
      agreementJson.put("mismatches", agreement.mismatches().stream()
          .map(m -> Map.of("item", m.item(), "values", m.values())).toList());
      json.put("agreement", agreementJson);
    }
    json.put("targets", targets());
    json.put("work_dir", runsDir == null ? null : runsDir.toString());
    String markdown = markdown(json);
    String stamp = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(started);
    try {
      Files.createDirectories(reports);
      Json.write(reports.resolve(JSON_FILE), json);
      Files.copy(reports.resolve(JSON_FILE), reports.resolve("report-" + stamp + ".json"),
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      Files.writeString(reports.resolve(MARKDOWN_FILE), markdown, StandardCharsets.UTF_8);
      Files.writeString(reports.resolve("report-" + stamp + ".md"), markdown, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the report to " + reports, e);
    }
    System.out.println();
    System.out.println(markdown);
    System.out.println("bench: report " + reports.resolve(MARKDOWN_FILE) + " and " + reports.resolve(JSON_FILE));
    return passed() ? 0 : 1;
  }

  /**
   * The performance targets of {@code process} (issue 15) against this run's numbers: wall time
   * against the Spark floor, DuckDB and pandas; each stage against its budget (set for S=1,
   * scaled by the scale factor); local[1] against local[*]. Only those whose runs succeeded.
   */
  List<Map<String, Object>> targets() {
    List<Map<String, Object>> targets = new ArrayList<>();
    Double spark = wall("spark");
    Double floor = wall("spark-csv-to-parquet");
    Double duckdb = wall("duckdb");
    Double pandas = wall("pandas");
    Double oneCore = wall("spark-1core");
    if (spark != null && floor != null) {
      targets.add(target("process / spark-csv-to-parquet (wall)", spark / floor, "<=", 2.0));
    }
    if (spark != null && duckdb != null) {
      targets.add(target("process / duckdb (wall)", spark / duckdb, "<=", 1.5));
    }
    if (spark != null && pandas != null) {
      targets.add(target("pandas / process (wall): speed-up over pandas", pandas / spark, ">=", 1.5));
    }
    if (spark != null && oneCore != null) {
      targets.add(target("spark-1core / spark (wall): speed-up from the cores", oneCore / spark, ">=", 1.8));
    }
    Object scale = settings.get("scale");
    double factor = scale instanceof Number n && !Boolean.TRUE.equals(input.get("given")) ? n.doubleValue() : 1.0;
    Run process = succeeded("spark");
    if (process != null) {
      for (Map.Entry<String, Double> budget : STAGE_BUDGETS) {
        if (process.stages.get(budget.getKey()) instanceof Number seconds) {
          targets.add(target("process stage " + budget.getKey() + " (s)", seconds.doubleValue(), "<=",
              budget.getValue() * factor));
        }
      }
    }
    return targets;
  }

  /** The stage budgets of {@code process} at S=1, in seconds. */
  static final List<Map.Entry<String, Double>> STAGE_BUDGETS = List.of(Map.entry("read_validate", 40.0),
      Map.entry("write_tables", 12.0), Map.entry("daily_location", 15.0));

  /** The run of this name if it finished with a wall time, else null. */
  private Run succeeded(String name) {
    return runs.stream().filter(r -> r.impl.name().equals(name) && "ok".equals(r.status) && r.wallSeconds != null)
        .findFirst().orElse(null);
  }

  private Double wall(String name) {
    Run run = succeeded(name);
    return run == null ? null : run.wallSeconds;
  }

  private static Map<String, Object> target(String what, double value, String comparison, double target) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("what", what);
    entry.put("value", Math.round(value * 100) / 100.0);
    entry.put("comparison", comparison);
    entry.put("target", target);
    entry.put("met", comparison.equals("<=") ? value <= target : value >= target);
    return entry;
  }

  @SuppressWarnings("unchecked")
  private String markdown(Map<String, Object> json) {
    StringBuilder md = new StringBuilder();
    boolean given = Boolean.TRUE.equals(input.get("given"));
    md.append(given ? String.format(Locale.ROOT, "# Benchmark of `process`: the raw store %s%n%n", input.get("raw_store"))
        : String.format(Locale.ROOT, "# Benchmark of `process`: scale %s (%s locations x %s days)%n%n",
            settings.get("scale"), settings.get("locations"), settings.get("days")));
    Map<String, Object> m = (Map<String, Object>) json.get("machine");
    md.append(String.format(Locale.ROOT, "- Machine: %s cores (%s), %s RAM, %s available at start; load average"
            + " (1/5/15 min) %s at start, %s at end; %s; %s%n", m.get("cores"), m.get("cpu"),
        megabytes(machine.memoryTotalBytes()), megabytes(machine.memoryAvailableBytes()), m.get("load_average_at_start"),
        m.get("load_average_at_end"), m.get("os"), m.get("java")));
    if (generationError != null) {
      md.append("- Input: generation failed: ").append(generationError).append("\n");
      return md.toString();
    }
    md.append(String.format(Locale.ROOT, "- Input: %s files, %,d data rows, %.1f MB of CSV%s in %s; %s%n",
        input.get("files"), inputRows, inputBytes / 1e6, given ? "" : String.format(Locale.ROOT,
            " (dirty fraction %s, seed %s)", settings.get("dirty_fraction"), settings.get("seed")),
        input.get("raw_store"), given ? "given with --raw-store"
            : Boolean.TRUE.equals(input.get("reused")) ? "reused from an earlier run"
            : String.format(Locale.ROOT, "generated in %.1f s", input.get("generated_seconds"))));
    md.append(String.format(Locale.ROOT, "- Started %s, finished %s. MB = 10^6 bytes. Memory budget per"
            + " implementation: %s.%n%n", json.get("started_at"), json.get("finished_at"),
        megabytes((Long) settings.get("memory_budget_bytes"))));

    md.append("| implementation | status | wall s | setup s | rows/s | input MB/s | MB/s per core | cores | peak RSS MB |\n");
    md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Map<String, Object> run : (List<Map<String, Object>>) json.get("implementations")) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", run.get("name"),
          run.get("status"), number(run.get("wall_seconds"), "%.1f"), number(run.get("setup_seconds"), "%.1f"),
          number(run.get("rows_per_second"), "%,.0f"), number(run.get("input_mb_per_second"), "%.1f"),
          number(run.get("mb_per_second_per_core"), "%.1f"), run.get("cores"),
          run.get("peak_rss_bytes") == null ? "-" : String.format(Locale.ROOT, "%,.0f",
              ((Number) run.get("peak_rss_bytes")).longValue() / 1e6)));
    }
    md.append("\nSetup: JVM start to the engine being ready (Spark: the SparkContext started; DuckDB: the connection"
        + " open); it is part of the wall time. Rates are over the wall time, per core over the cores the"
        + " implementation may use. Peak RSS: the child's own high-water mark (VmHWM).\n\n");
    for (Run run : runs) {
      md.append("- **").append(run.impl.name()).append("**: ").append(run.impl.description());
      if (run.note != null) {
        md.append(". ").append(run.status).append(": ").append(run.note.replace("\n", "\n    "));
      }
      if (!run.stages.isEmpty()) {
        md.append(". Stages (s): ");
        List<String> stages = new ArrayList<>();
        run.stages.forEach((k, v) -> stages.add(k + " " + v));
        md.append(String.join(", ", stages));
      }
      md.append("\n");
    }
    List<Map<String, Object>> targets = (List<Map<String, Object>>) json.get("targets");
    if (!targets.isEmpty()) {
      md.append("\n## Targets\n\n| what | value | target | |\n|---|---:|---:|---|\n");
      for (Map<String, Object> target : targets) {
        md.append(String.format(Locale.ROOT, "| %s | %.2f | %s %.2f | %s |%n", target.get("what"), target.get("value"),
            target.get("comparison"), target.get("target"), Boolean.TRUE.equals(target.get("met")) ? "met" : "missed"));
      }
      md.append("\nStage budgets are those set for S=1, times the scale factor. `read_validate` is the read, the"
          + " row checks and the duplicate resolution together (budgets 30 s and 10 s).\n");
    }
    md.append("\n## Agreement\n\n");
    if (agreement == null) {
      md.append("Not checked.\n");
    } else if (agreement.implementations().size() < 2) {
      md.append("FAIL: fewer than two summaries to compare (").append(agreement.implementations()).append(").\n");
    } else if (agreement.agrees()) {
      md.append(String.format(Locale.ROOT, "PASS: %s agree on all %d items compared (daily_location rows and per-column"
              + " counts, sums and checksums; quarantine counts per reason; row accounting; float sums within a"
              + " relative %s).%n", String.join(", ", agreement.implementations()), agreement.itemsCompared(),
          Agreement.RELATIVE_TOLERANCE));
    } else {
      md.append(String.format(Locale.ROOT, "FAIL: %d of %d items differ between %s:%n%n",
          agreement.mismatches().size(), agreement.itemsCompared(), String.join(", ", agreement.implementations())));
      for (Agreement.Mismatch mismatch : agreement.mismatches()) {
        md.append("- `").append(mismatch.item()).append("`: ");
        List<String> values = new ArrayList<>();
        mismatch.values().forEach((impl, value) -> values.add(impl + " " + (value == null ? "(missing)" : value)));
        md.append(String.join(", ", values)).append("\n");
      }
    }
    return md.toString();
  }

  private static String number(Object value, String format) {
    return value == null ? "-" : String.format(Locale.ROOT, format, ((Number) value).doubleValue());
  }

  static String megabytes(Long bytes) {
    return bytes == null || bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%,.0f MB", bytes / 1e6);
  }

  private static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
