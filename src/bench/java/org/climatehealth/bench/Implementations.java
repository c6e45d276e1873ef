package org.climatehealth.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * What the harness runs: the three implementations of {@code process} and the engines' floors,
 * each as the command line of a child process, with how many cores it may use and, for the
 * implementations of {@code process}, how its output becomes a {@link Summaries summary}.
 */
final class Implementations {
  /** The environment variable naming the {@link ChildTimings} file, for children that are not JVMs. */
  static final String TIMINGS_VARIABLE = "BENCH_TIMINGS_FILE";
  /** The Python program of the pandas implementation, in the checkout. */
  static final String PANDAS_SCRIPT = "src/bench/python/process_pandas.py";

  /** Every implementation's name, in the order they run. */
  static final List<String> NAMES = List.of("spark", "spark-1core", "duckdb", "pandas", "spark-read-count", "spark-csv-to-parquet",
      "duckdb-read-count", "duckdb-csv-to-parquet");

  enum Kind { PROCESS, FLOOR }

  /**
   * One thing to run. {@code command} takes the output folder and the timings file;
   * {@code summary} (null for floors) reads the output folder; {@code skipReason} is why it
   * cannot run here (null when it can).
   */
  record Impl(String name, String description, Kind kind, int cores,
      BiFunction<Path, Path, List<String>> command, Function<Path, ObjectNode> summary, String skipReason) {}

  private final Path home;
  private final Path raw;
  private final List<String> diseases;
  private final List<String> sparkJvmOptions;
  private final String sparkHeap;
  private final String duckdbMemoryLimit;
  private final String python;
  private final String pythonSkipReason;
  private final String pandasVersion;
  private final int cores;

  Implementations(Path home, Path buildDir, Path raw, Path runs, List<String> diseases, List<String> sparkJvmOptions,
      String sparkHeap, String duckdbMemoryLimit, String pythonOption, int cores) {
    this.home = home;
    this.raw = raw;
    this.diseases = diseases;
    this.sparkJvmOptions = sparkJvmOptions;
    this.sparkHeap = sparkHeap;
    this.duckdbMemoryLimit = duckdbMemoryLimit;
    this.cores = cores;
    String found = null;
    String version = null;
    if (!"none".equals(pythonOption)) {
      for (String candidate : pythonOption == null ? List.of("/usr/bin/python3", "python3") : List.of(pythonOption)) {
        version = BenchRunner.probe(List.of(candidate, "-c", "import pandas; print(pandas.__version__)"));
        if (version != null) {
          found = candidate;
          break;
        }
      }
    }
    this.python = found;
    this.pandasVersion = version;
    this.pythonSkipReason = found == null
        ? "not installed (no python3 with pandas: apt-get install python3-pandas, which scripts/bench.sh does when"
            + " run as root)"
        : !Files.isRegularFile(home.resolve(PANDAS_SCRIPT)) ? PANDAS_SCRIPT + " not found" : null;
  }

  List<Impl> all() {
    List<Impl> all = new ArrayList<>();
    all.add(new Impl("spark", "process: the pipeline's Spark job, local[*]", Kind.PROCESS, cores,
        (out, timings) -> sparkProcess(out, timings, null),
        out -> Summaries.ofProcessedStore("spark", out, DuckDbProcess.RUN_ID, diseases), null));
    // the same job on one core: the scaling figure (work that scales with cores scales with executors)
    all.add(new Impl("spark-1core", "process: the pipeline's Spark job, local[1]", Kind.PROCESS, 1,
        (out, timings) -> sparkProcess(out, timings, "local[1]"),
        out -> Summaries.ofProcessedStore("spark-1core", out, DuckDbProcess.RUN_ID, diseases), null));
    all.add(new Impl("duckdb", "process in DuckDB SQL (duckdb_jdbc), " + cores + " threads", Kind.PROCESS, cores,
        (out, timings) -> {
          List<String> command = java(List.of(), "1g", home);
          command.add("-D" + ChildTimings.FILE_PROPERTY + "=" + timings);
          command.addAll(List.of(DuckDbProcess.class.getName(), "--raw", raw.toString(), "--out", out.toString(),
              "--diseases", String.join(",", diseases), "--threads", Integer.toString(cores)));
          if (duckdbMemoryLimit != null) {
            command.addAll(List.of("--memory-limit", duckdbMemoryLimit));
          }
          return command;
        },
        out -> Summaries.ofProcessedStore("duckdb", out, DuckDbProcess.RUN_ID, diseases), null));
    all.add(new Impl("pandas", "process in pandas" + (pandasVersion == null ? "" : " " + pandasVersion)
        + " (one core; CSV outputs)", Kind.PROCESS, 1,
        (out, timings) -> List.of(python, home.resolve(PANDAS_SCRIPT).toString(), "--raw", raw.toString(), "--out",
            out.toString(), "--diseases", String.join(",", diseases), "--summary", out.resolve("summary.json").toString()),
        out -> {
          JsonNode summary = Json.read(out.resolve("summary.json"));
          if (!summary.isObject()) {
            throw new IllegalStateException(out.resolve("summary.json") + " is not a JSON object");
          }
          return (ObjectNode) summary;
        }, pythonSkipReason));
    for (String engine : List.of("spark", "duckdb")) {
      all.add(floor(engine, "count", "read every raw CSV and count its rows"));
      all.add(floor(engine, "parquet", "typed CSV to Parquet, no validation or join"));
    }
    if (!all.stream().map(Impl::name).toList().equals(NAMES)) {
      throw new IllegalStateException("NAMES does not list the implementations in order");
    }
    return all;
  }

  private Impl floor(String engine, String mode, String what) {
    String name = engine + (mode.equals("count") ? "-read-count" : "-csv-to-parquet");
    return new Impl(name, "floor (" + engine + "): " + what, Kind.FLOOR, cores, (out, timings) -> {
      List<String> command = java(engine.equals("spark") ? sparkJvmOptions : List.of(),
          engine.equals("spark") ? sparkHeap : "1g", home);
      command.add("-D" + ChildTimings.FILE_PROPERTY + "=" + timings);
      command.addAll(List.of(Floors.class.getName(), "--engine", engine, "--mode", mode, "--raw", raw.toString(),
          "--out", out.toString(), "--threads", Integer.toString(cores)));
      return command;
    }, null, null);
  }

  /**
   * The pipeline's own {@code process}, as scripts/pipeline runs it, with the setup listener; on
   * {@code master} when it is not null (else the local profile's local[*]).
   */
  private List<String> sparkProcess(Path out, Path timings, String master) {
    List<String> command = java(sparkJvmOptions, sparkHeap, home);
    command.add("-Dspark.extraListeners=" + SessionReadyListener.class.getName());
    command.add("-D" + ChildTimings.FILE_PROPERTY + "=" + timings);
    command.addAll(List.of("org.climatehealth.pipeline.Main", "process", "--run-id", DuckDbProcess.RUN_ID,
        "--conf", "pipeline.stores.raw=file:" + raw, "--conf", "pipeline.stores.processed=file:" + out,
        "--conf", "pipeline.stores.models=file:" + out.resolve("models")));
    if (master != null) {
      command.addAll(List.of("--conf", "pipeline.spark.master=" + master));
    }
    return command;
  }

  /** {@code java} with these options, heap, the project's configuration and logging, and this JVM's classpath. */
  static List<String> java(List<String> options, String heap, Path home) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.add("-Xmx" + heap);
    command.add("-Dpipeline.conf.dir=" + home.resolve("conf"));
    command.add("-Dlog4j2.configurationFile=" + home.resolve("conf/log4j2.properties"));
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    return command;
  }
}
