package org.climatehealth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.climatehealth.pipeline.config.SettingsLoader;
import org.climatehealth.pipeline.generate.GeneratorManifest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark harness (issue 6): generates raw data at a scale factor, runs every implementation
 * on the same files, each in its own child process (wall time and peak RSS measured from outside:
 * {@link ChildProcess}), checks that the implementations of {@code process} agree
 * ({@link Summaries}, {@link Agreement}) and writes the report ({@link BenchReport}). Started by
 * {@code scripts/bench.sh}.
 *
 * <p>Exit 0 when every implementation that ran finished and all agree (one stopped for going over
 * the memory budget is reported, not a failure: it does not fit); 1 otherwise; 2 for bad usage.
 */
@Command(name = "scripts/bench.sh", sortOptions = false,
    description = {"Benchmark process: Spark, DuckDB SQL and pandas on the same generated",
        "raw data, and the engines' floors; check that they agree; report wall time,",
        "setup time, rows/s, MB/s, MB/s per core and peak RSS in",
        "BUILD_DIR/bench/report.md and report.json. The script also takes --no-install:",
        "never install python3-pandas (pandas is then skipped when it is missing).", ""})
public final class BenchRunner implements Callable<Integer> {
  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
  boolean help;

  /** Locations at scale 1 (with the default 730 days and 2% dirt: about 1 GB of CSV, 27 M rows). */
  static final int LOCATIONS_AT_SCALE_1 = 5000;

  @Option(names = "--scale", paramLabel = "S", defaultValue = "1",
      description = "Scale factor: 1 is about 1 GB of CSV (5000 locations x 730 days); it scales the locations"
          + " (default: ${DEFAULT-VALUE}).")
  double scale;

  @Option(names = "--locations", paramLabel = "N", description = "Locations, instead of the scale's.")
  Integer locations;

  @Option(names = "--days", paramLabel = "N", defaultValue = "730", description = "Days (default: ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--dirty-fraction", paramLabel = "F", defaultValue = "0.02",
      description = "Share of rows with a defect or variant, so that every defect class occurs"
          + " (default: ${DEFAULT-VALUE}).")
  double dirtyFraction;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--raw-store", paramLabel = "DIR",
      description = "Use this raw store (a folder holding raw/*.csv) instead of generating data; then there is no"
          + " generator manifest to compare with.")
  Path rawStore;

  @Option(names = "--only", paramLabel = "NAME[,NAME]", split = ",",
      description = "Run only these implementations (spark, spark-1core, duckdb, pandas, spark-read-count,"
          + " spark-csv-to-parquet, duckdb-read-count, duckdb-csv-to-parquet).")
  List<String> only;

  @Option(names = "--skip", paramLabel = "NAME[,NAME]", split = ",", description = "Do not run these implementations.")
  List<String> skip;

  @Option(names = "--work-dir", paramLabel = "DIR",
      description = "Raw data, outputs and logs (default: BUILD_DIR/bench/work). Data of the same parameters is reused.")
  Path workDir;

  @Option(names = "--report-dir", paramLabel = "DIR", description = "Where the report goes (default: BUILD_DIR/bench).")
  Path reportDir;

  @Option(names = "--regenerate", description = "Generate the raw data again even when the same data is there.")
  boolean regenerate;

  @Option(names = "--python", paramLabel = "PATH",
      description = "Python 3 with pandas, or 'none' (default: /usr/bin/python3, then python3, if they import pandas).")
  String python;

  @Option(names = "--spark-heap", paramLabel = "SIZE", defaultValue = "4g",
      description = "-Xmx of the Spark JVMs, as scripts/pipeline (default: ${DEFAULT-VALUE}).")
  String sparkHeap;

  @Option(names = "--duckdb-memory-limit", paramLabel = "SIZE",
      description = "DuckDB's memory_limit, e.g. 8GB (default: 60%% of the memory budget, so that DuckDB spills to"
          + " disk before it is stopped).")
  String duckdbMemoryLimit;

  @Option(names = "--memory-budget-gb", paramLabel = "GB",
      description = "Stop an implementation whose resident memory goes over this: it does not fit"
          + " (default: 85%% of the memory available at start).")
  Double memoryBudgetGb;

  @Option(names = "--timeout-minutes", paramLabel = "N", defaultValue = "60",
      description = "Stop an implementation after this long (default: ${DEFAULT-VALUE}).")
  long timeoutMinutes;

  @Option(names = "--spark-jvm-option", paramLabel = "OPTION", hidden = true,
      description = "A JVM option for the Spark JVMs (Spark's Java 17 module options; scripts/bench.sh passes them).")
  List<String> sparkJvmOptions = new ArrayList<>();

  @Option(names = "--home", paramLabel = "DIR", hidden = true, description = "The project checkout (default: the working directory).")
  Path home = Path.of(".");

  @Option(names = "--build-dir", paramLabel = "DIR", hidden = true, description = "The Maven build directory (default: HOME/target).")
  Path buildDir;

  public static void main(String[] args) {
    System.exit(new CommandLine(new BenchRunner()).setOverwrittenOptionsAllowed(true).execute(args));
  }

  @Override
  public Integer call() {
    home = home.toAbsolutePath().normalize();
    buildDir = (buildDir == null ? home.resolve("target") : buildDir).toAbsolutePath().normalize();
    Path work = (workDir == null ? buildDir.resolve("bench/work") : workDir).toAbsolutePath().normalize();
    Path reports = (reportDir == null ? buildDir.resolve("bench") : reportDir).toAbsolutePath().normalize();
    if (!(scale > 0) || (locations != null && locations < 1)) {
      throw new CommandLine.ParameterException(new CommandLine(this), "--scale must be above 0 and --locations at least 1");
    }
    for (List<String> names : java.util.Arrays.asList(only, skip)) {
      if (names != null && !Implementations.NAMES.containsAll(names)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown implementation in " + names
            + ": use " + String.join(", ", Implementations.NAMES));
      }
    }
    int locationCount = locations != null ? locations : Math.max(1, (int) Math.round(LOCATIONS_AT_SCALE_1 * scale));
    List<String> diseases = SettingsLoader.forInvocation(home.resolve("conf").toString()).load("local", List.of())
        .diseases();

    BenchReport report = new BenchReport(Instant.now(), Machine.describe());
    long budget = memoryBudgetGb != null ? (long) (memoryBudgetGb * (1L << 30))
        : (long) (report.machine().memoryAvailableBytes() * 0.85);
    if (duckdbMemoryLimit == null) {
      duckdbMemoryLimit = (budget * 6 / 10 >> 20) + "MiB";
    }
    report.setting("scale", scale).setting("locations", locationCount).setting("days", days)
        .setting("dirty_fraction", dirtyFraction).setting("seed", seed).setting("diseases", diseases)
        .setting("spark_heap", sparkHeap).setting("memory_budget_bytes", budget)
        .setting("duckdb_memory_limit", duckdbMemoryLimit);

    String tag = String.format(Locale.ROOT, "L%d-D%d-F%s-S%d", locationCount, days, dirtyFraction, seed);
    Path raw = rawStore != null ? rawStore.toAbsolutePath().normalize() : work.resolve("raw-" + tag);
    Path runs = work.resolve("runs");
    Path logs = runs.resolve("logs");
    deleteRecursively(runs);
    deleteRecursively(reports.resolve("summaries"));

    List<ObjectNode> summaries = new ArrayList<>();
    if (rawStore != null) {
      System.out.printf(Locale.ROOT, "bench: the raw store %s; %d cores, %.1f GB available, memory budget %.1f GB%n",
          raw, report.machine().cores(), report.machine().memoryAvailableBytes() / 1e9, budget / 1e9);
      report.input(raw);
    } else {
      System.out.printf(Locale.ROOT, "bench: %d locations x %d days, dirty fraction %s, seed %d; %d cores, %.1f GB"
          + " available, memory budget %.1f GB%n", locationCount, days, dirtyFraction, seed,
          report.machine().cores(), report.machine().memoryAvailableBytes() / 1e9, budget / 1e9);
      GeneratorManifest manifest = generate(raw, locationCount, logs, report);
      if (manifest == null) {
        return report.finish(reports, null);
      }
      report.input(manifest, raw);
      summaries.add(Summaries.ofGeneratorManifest(raw.resolve(GeneratorManifest.KEY)));
    }

    Implementations impls = new Implementations(home, buildDir, raw, runs, diseases, sparkJvmOptions, sparkHeap,
        duckdbMemoryLimit, python, report.machine().cores());
    for (Implementations.Impl impl : impls.all()) {
      if ((only != null && !only.contains(impl.name())) || (skip != null && skip.contains(impl.name()))) {
        continue;
      }
      if (impl.skipReason() != null) {
        System.out.printf("bench: %s: skipped, %s%n", impl.name(), impl.skipReason());
        report.skipped(impl, impl.skipReason());
        continue;
      }
      System.out.printf("bench: %s: running...%n", impl.name());
      Path out = runs.resolve(impl.name());
      deleteRecursively(out);
      createDirectories(out);
      Path timingsFile = runs.resolve(impl.name() + "-timings.json");
      ChildProcess.Result result = ChildProcess.run(impl.command().apply(out, timingsFile),
          Map.of(Implementations.TIMINGS_VARIABLE, timingsFile.toString()), work, logs, impl.name(),
          Duration.ofMinutes(timeoutMinutes), budget);
      JsonNode timings = Files.exists(timingsFile) ? Json.read(timingsFile) : null;
      BenchReport.Run run = report.ran(impl, result, timings);
      Path runReport = out.resolve("_runs/process/" + DuckDbProcess.RUN_ID + ".json");
      if (result.succeeded() && Files.exists(runReport)) {
        run.stagesFrom(Json.read(runReport).path("details").path(ChildTimings.STAGES));
      }
      if (result.succeeded() && impl.summary() != null) {
        try {
          ObjectNode summary = impl.summary().apply(out);
          summary.put(Summaries.IMPLEMENTATION, impl.name());
          Json.write(reports.resolve("summaries/" + impl.name() + ".json"), summary);
          summaries.add(summary);
        } catch (RuntimeException e) {
          run.failed("its output could not be summarised: " + e.getMessage());
        }
      }
      System.out.println("bench: " + impl.name() + ": " + run.oneLine());
      if (impl.summary() != null) {
        deleteRecursively(out.resolve("_duckdb_tmp"));
      }
    }
    report.agreement(Agreement.check(List.copyOf(summaries)));
    return report.finish(reports, runs);
  }

  /**
   * Generates the raw data, or reuses it when a manifest of the same parameters, written by a
   * generator of the same data version, is there.
   */
  private GeneratorManifest generate(Path raw, int locationCount, Path logs, BenchReport report) {
    Path manifestFile = raw.resolve(GeneratorManifest.KEY);
    if (!regenerate && Files.exists(manifestFile)) {
      GeneratorManifest manifest = readManifest(manifestFile);
      if (manifest.dataVersion() == GeneratorManifest.DATA_VERSION && manifest.locations() == locationCount
          && manifest.days() == days && manifest.seed() == seed && manifest.dirtyFraction() == dirtyFraction
          && !manifest.dailyFiles() && filesPresent(raw, manifest)) {
        System.out.println("bench: reusing the raw data in " + raw);
        report.generation(null, true);
        return manifest;
      }
    }
    deleteRecursively(raw);
    System.out.println("bench: generating raw data into " + raw + " ...");
    List<String> command = new ArrayList<>(Implementations.java(sparkJvmOptions, "2g", home));
    command.addAll(List.of("org.climatehealth.pipeline.Main", "generate", "--locations", Integer.toString(locationCount),
        "--days", Integer.toString(days), "--dirty-fraction", Double.toString(dirtyFraction), "--seed",
        Long.toString(seed), "--conf", "pipeline.stores.raw=file:" + raw, "--conf",
        "pipeline.stores.processed=file:" + raw.resolveSibling(raw.getFileName() + "-generate-reports")));
    ChildProcess.Result result = ChildProcess.run(command, Map.of(), raw.getParent(), logs, "generate",
        Duration.ofMinutes(timeoutMinutes), 0);
    if (!result.succeeded()) {
      report.generationFailed("generate failed (exit " + result.exitCode() + "): "
          + ChildProcess.tail(result.stderr(), 20));
      return null;
    }
    report.generation(result.wallSeconds(), false);
    return readManifest(manifestFile);
  }

  private static GeneratorManifest readManifest(Path file) {
    try {
      return Json.MAPPER.readValue(file.toFile(), GeneratorManifest.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static boolean filesPresent(Path raw, GeneratorManifest manifest) {
    return manifest.datasets().values().stream().flatMap(d -> d.files().stream()).allMatch(f -> Files.isRegularFile(
        raw.resolve(f)));
  }

  static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path path : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** Runs a short command and returns its first line of output, or null when it fails. */
  static String probe(List<String> command) {
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes()).strip();
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        return null;
      }
      return output.lines().findFirst().orElse("");
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** A map of facts in insertion order (for JSON). */
  static Map<String, Object> facts() {
    return new LinkedHashMap<>();
  }
}
