package org.climatehealth.bench;

import static org.climatehealth.bench.Sql.exec;
import static org.climatehealth.bench.Sql.id;
import static org.climatehealth.bench.Sql.str;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.config.SettingsLoader;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.spark.SparkSessions;

/**
 * The floors: what reading the same raw files costs with no validation or join, so that the cost
 * of {@code process} can be told from the cost of the engine. Two modes, for Spark (a session made
 * as {@code process} makes it, from the local profile) and for DuckDB:
 * <ul>
 *   <li>{@code count}: read every raw CSV and count its data rows;</li>
 *   <li>{@code parquet}: a plain typed conversion of each dataset to Parquet (the contract's types;
 *       a value that does not parse is null, nothing is checked or joined).</li>
 * </ul>
 * Spark's CSV reader takes each line as a record; DuckDB's is told to (no quoting), since a quote
 * not closed on its line would make it read the lines after it as one field; it skips lines that
 * are not UTF-8.
 *
 * <pre>Floors --engine spark|duckdb --mode count|parquet --raw DIR --out DIR [--threads N]</pre>
 */
public final class Floors {
  private final Map<RawDataset, List<Path>> files;
  private final Path out;
  private final ChildTimings timings = new ChildTimings();

  private Floors(Map<RawDataset, List<Path>> files, Path out) {
    this.files = files;
    this.out = out;
  }

  public static void main(String[] args) {
    Map<String, String> options = Args.parse(args, Set.of("--engine", "--mode", "--raw", "--out", "--threads"));
    Floors floors = new Floors(rawFiles(Path.of(Args.required(options, "--raw"))), Path.of(Args.required(options, "--out")));
    String mode = Args.required(options, "--mode");
    if (!mode.equals("count") && !mode.equals("parquet")) {
      throw new IllegalArgumentException("bad --mode " + mode + ": count or parquet");
    }
    try {
      switch (Args.required(options, "--engine")) {
        case "spark" -> floors.spark(mode);
        case "duckdb" -> floors.duckdb(mode, Integer.parseInt(options.getOrDefault("--threads",
            Integer.toString(Runtime.getRuntime().availableProcessors()))));
        default -> throw new IllegalArgumentException("bad --engine: spark or duckdb");
      }
    } finally {
      floors.timings.write();
    }
  }

  /** The raw files of each dataset in a raw store, as {@code process} finds them. */
  static Map<RawDataset, List<Path>> rawFiles(Path rawRoot) {
    try (Stream<Path> listing = Files.list(rawRoot.resolve("raw"))) {
      List<Path> all = listing.filter(Files::isRegularFile).sorted().toList();
      Map<RawDataset, List<Path>> files = new EnumMap<>(RawDataset.class);
      for (RawDataset dataset : RawDataset.values()) {
        files.put(dataset, all.stream().filter(f -> dataset.matches("raw/" + f.getFileName())).toList());
      }
      return files;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + rawRoot.resolve("raw"), e);
    }
  }

  private void spark(String mode) {
    Settings settings = SettingsLoader.forInvocation(null).load("local", List.of());
    SparkSession spark = SparkSessions.create(settings, "bench-floor-" + mode);
    timings.ready().fact("spark_version", spark.version());
    try {
      long t = System.nanoTime();
      if (mode.equals("count")) {
        String[] paths = files.values().stream().flatMap(List::stream).map(Path::toString).toArray(String[]::new);
        long rows = spark.read().option("header", "true").csv(paths).count();
        timings.stage("read_count", t);
        timings.fact("rows", rows);
      } else {
        for (Map.Entry<RawDataset, List<Path>> entry : files.entrySet()) {
          long d = System.nanoTime();
          spark.read().option("header", "true").option("dateFormat", "yyyy-MM-dd")
              .schema(entry.getKey().cleanSchema())
              .csv(entry.getValue().stream().map(Path::toString).toArray(String[]::new))
              .write().mode(SaveMode.Overwrite).parquet(out.resolve(entry.getKey().tableName()).toString());
          timings.stage("csv_to_parquet_" + entry.getKey().tableName(), d);
        }
        timings.stage("csv_to_parquet", t);
      }
    } finally {
      spark.stop();
    }
  }

  private void duckdb(String mode, int threads) {
    try (Connection db = Sql.duckdb()) {
      exec(db, "SET threads = " + threads);
      exec(db, "SET preserve_insertion_order = false");
      timings.ready().fact("duckdb_version", Sql.single(db, "SELECT version()", String::valueOf));
      long t = System.nanoTime();
      long rows = 0;
      for (Map.Entry<RawDataset, List<Path>> entry : files.entrySet()) {
        // records are lines, as process reads them: no quoting (a quote not closed on its line would
        // otherwise take the lines after it into one field); lines that are not UTF-8 are skipped
        String source = "read_csv(" + Sql.strList(entry.getValue().stream().map(Path::toString).toList())
            + ", header = true, all_varchar = true, strict_mode = false, null_padding = true, quote = '', escape = '',"
            + " ignore_errors = true)";
        if (mode.equals("count")) {
          rows += Sql.single(db, "SELECT count(*) FROM " + source, v -> ((Number) v).longValue());
        } else {
          long d = System.nanoTime();
          Files.createDirectories(out);
          exec(db, "COPY (SELECT " + typed(entry.getKey()) + " FROM " + source + ") TO "
              + str(out.resolve(entry.getKey().tableName() + ".parquet").toString()) + " (FORMAT parquet)");
          timings.stage("csv_to_parquet_" + entry.getKey().tableName(), d);
        }
      }
      if (mode.equals("count")) {
        timings.stage("read_count", t);
        timings.fact("rows", rows);
      } else {
        timings.stage("csv_to_parquet", t);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The dataset's columns cast to their contract types (null when a value does not parse). */
  private static String typed(RawDataset dataset) {
    List<String> columns = new ArrayList<>();
    for (RawDataset.Column column : dataset.columns()) {
      String name = id(column.name());
      columns.add(switch (column.type()) {
        // trim() keeps DuckDB 2.0 from pushing the cast into the CSV reader, where it fails on bad values
        case DATE -> "CAST(try_strptime(trim(" + name + "), '%Y-%m-%d') AS DATE)";
        case DECIMAL -> "TRY_CAST(trim(" + name + ") AS DOUBLE)";
        case COUNT -> "TRY_CAST(trim(" + name + ") AS BIGINT)";
        default -> name;
      } + " AS " + name);
    }
    return columns.stream().collect(Collectors.joining(", "));
  }
}
