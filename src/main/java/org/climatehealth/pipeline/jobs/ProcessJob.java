package org.climatehealth.pipeline.jobs;

import static org.apache.spark.sql.functions.col;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.dataset.DailyLocation;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.ingest.InvalidInputException;
import org.climatehealth.pipeline.ingest.RawHeader;
import org.climatehealth.pipeline.ingest.RawReader;
import org.climatehealth.pipeline.publish.FaultInjection;
import org.climatehealth.pipeline.publish.Publisher;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.spark.ShufflePartitions;
import org.climatehealth.pipeline.spark.TemporaryConf;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.transform.DailyLocationTable;
import org.climatehealth.pipeline.validate.Validation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code process}: raw CSVs to clean, typed tables, the quarantine, and {@code daily_location}.
 *
 * <p>Headers are checked before anything is written. Each dataset is read once, validated and
 * persisted; its accounting, cleaned table and quarantine all come from that one pass. Every
 * output is written under the run's staging area first and published only when all writes have
 * succeeded, replacing exactly the partitions (months) the run owns.
 */
public final class ProcessJob {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessJob.class);

  /** Which months the run (re)writes: all when both bounds are null. */
  public record Range(LocalDate from, LocalDate to) {
    public static final Range ALL = new Range(null, null);

    public boolean covers(String month) {
      YearMonth value = YearMonth.parse(month);
      return (from == null || !value.isBefore(YearMonth.from(from))) && (to == null || !value.isAfter(YearMonth.from(to)));
    }

    public boolean isAll() {
      return from == null && to == null;
    }
  }

  /** What the run did. */
  public record Result(Map<String, DatasetAccounting> datasets, long dailyLocationRows,
      List<String> dailyLocationMonths, Set<String> unconfiguredDiseases, Map<String, Double> stageSeconds) {}

  private final SparkSession spark;
  private final Settings settings;
  private final Storage raw;
  private final Storage processed;
  private final String runId;
  private final Range range;
  private final RunRecorder recorder;
  private final Map<String, Double> stageSeconds = new LinkedHashMap<>();
  private long inputBytes;

  private static final long SHUFFLE_BYTES = 64L << 20;
  /** Inputs smaller than this run without whole-stage code generation ({@link #smallInputSettings}). */
  static final long SMALL_INPUT_BYTES = 8L << 20;
  private static final String WHOLE_STAGE_CODEGEN = "spark.sql.codegen.wholeStage";

  public ProcessJob(SparkSession spark, Settings settings, Storage raw, Storage processed, String runId, Range range,
      RunRecorder recorder) {
    this.spark = spark;
    this.settings = settings;
    this.raw = raw;
    this.processed = processed;
    this.runId = runId;
    this.range = range;
    this.recorder = recorder;
  }

  public Result run() {
    long start = System.nanoTime();
    Map<RawDataset, List<RawHeader>> headers = discover();
    // about 64 MiB of CSV per shuffle partition
    ShufflePartitions.fit(spark, inputBytes, SHUFFLE_BYTES, "process");
    stage("discover", start);
    try (TemporaryConf small = TemporaryConf.set(spark, smallInputSettings())) {
      return process(headers);
    }
  }

  /**
   * For a small input (a day's drop), Spark's whole-stage code generation costs more than it
   * saves: each of the run's dozens of stages compiles its generated Java first. Below
   * {@link #SMALL_INPUT_BYTES} of CSV the operators run without it (the same results), unless the
   * session sets it itself.
   */
  private Map<String, String> smallInputSettings() {
    if (inputBytes >= SMALL_INPUT_BYTES || spark.conf().contains(WHOLE_STAGE_CODEGEN)) {
      return Map.of();
    }
    LOG.info("process: {} bytes of input, under {}: whole-stage code generation off for this run", inputBytes,
        SMALL_INPUT_BYTES);
    return Map.of(WHOLE_STAGE_CODEGEN, "false");
  }

  private Result process(Map<RawDataset, List<RawHeader>> headers) {
    Publisher publisher = new Publisher(processed, runId);
    Map<RawDataset, Dataset<Row>> resolved = new EnumMap<>(RawDataset.class);
    try {
      long t = System.nanoTime();
      Dataset<Row> locations = classify(RawDataset.LOCATIONS, headers, null);
      resolved.put(RawDataset.LOCATIONS, locations);
      Dataset<Row> knownIds = Validation.cleaned(locations, RawDataset.LOCATIONS).select("location_id");
      for (RawDataset dataset : List.of(RawDataset.CLIMATE, RawDataset.HEALTH, RawDataset.HOSPITAL)) {
        resolved.put(dataset, classify(dataset, headers, knownIds));
      }
      Map<String, DatasetAccounting> accounting = new LinkedHashMap<>();
      for (Map.Entry<RawDataset, Dataset<Row>> entry : resolved.entrySet()) {
        accounting.put(entry.getKey().tableName(), account(entry.getKey(), entry.getValue(), headers.get(entry.getKey())));
      }
      stage("read_validate", t);

      t = System.nanoTime();
      Map<RawDataset, Dataset<Row>> cleaned = new EnumMap<>(RawDataset.class);
      resolved.forEach((dataset, rows) -> cleaned.put(dataset, Validation.cleaned(rows, dataset)));
      Map<RawDataset, Long> rowsWritten = new EnumMap<>(RawDataset.class);
      for (RawDataset dataset : RawDataset.values()) {
        rowsWritten.put(dataset, stageTable(publisher, dataset, cleaned.get(dataset),
            accounting.get(dataset.tableName()).rowsValid()));
        if (accounting.get(dataset.tableName()).rowsQuarantined() > 0) {
          Validation.quarantined(resolved.get(dataset), dataset, rawColumns(dataset, headers.get(dataset)))
              .coalesce(1).write().mode(SaveMode.Overwrite).option("ignoreNullFields", "false")
              .json(processed.uri().sparkPath(publisher.stagingKey(quarantineTable(dataset))));
        }
      }
      stage("write_tables", t);

      t = System.nanoTime();
      Dataset<Row> daily = DailyLocationTable.build(cleaned.get(RawDataset.LOCATIONS), cleaned.get(RawDataset.CLIMATE),
          cleaned.get(RawDataset.HEALTH), cleaned.get(RawDataset.HOSPITAL), settings.diseases());
      if (!range.isAll()) {
        daily = DailyLocationTable.restrictToMonths(daily, range.from(), range.to());
      }
      FaultInjection.reached("stage.daily_location");
      String dailyStaging = processed.uri().sparkPath(publisher.stagingKey(DailyLocation.PREFIX));
      // DailyLocationTable partitions its inputs by location once; the joins on (location_id, date)
      // may use that partitioning instead of shuffling again on both keys (this write only)
      try (TemporaryConf conf = TemporaryConf.set(spark, Map.of("spark.sql.requireAllClusterKeysForCoPartition", "false"))) {
        // one task per month: one file per month partition, not one per task and month
        daily.repartition(col(DailyLocation.MONTH)).write().mode(SaveMode.Overwrite)
            .partitionBy(DailyLocation.MONTH).parquet(dailyStaging);
      }
      // read back from Parquet metadata; an empty result has no file to read
      long dailyRows = processed.list(publisher.stagingKey(DailyLocation.PREFIX)).stream()
          .anyMatch(o -> o.key().endsWith(".parquet")) ? spark.read().parquet(dailyStaging).count() : 0;
      stage("daily_location", t);

      Set<String> unconfigured = unconfiguredDiseases(cleaned.get(RawDataset.HEALTH));

      // ---- quality checks (pipeline.quality): a miss at level error throws here, before anything is published ----
      t = System.nanoTime();
      new org.climatehealth.pipeline.quality.QualityGate(settings.quality(), processed, runId, java.time.Clock.systemUTC())
          .check(cleaned, accounting, dailyRows, range.from(), range.to(), recorder);
      stage("quality", t);
      // ---- end of quality checks ----

      t = System.nanoTime();
      Predicate<String> owned = range::covers;
      List<RunReport.Output> outputs = new ArrayList<>();
      for (RawDataset dataset : RawDataset.values()) {
        Publisher.Published published = dataset.dateColumn().isPresent()
            ? publisher.publishPartitioned(dataset.processedPrefix(), DailyLocation.MONTH, owned)
            : publisher.publishWhole(dataset.processedPrefix());
        DatasetAccounting numbers = accounting.get(dataset.tableName());
        outputs.add(new RunReport.Output(processed.uri().resolve(dataset.processedPrefix()).toString(), null, null,
            rowsWritten.get(dataset), published.partitions()));
        if (numbers.rowsQuarantined() > 0) {
          publisher.publishWhole(quarantineTable(dataset));
          outputs.add(new RunReport.Output(processed.uri().resolve(quarantineTable(dataset)).toString(), null,
              null, numbers.rowsQuarantined(), null));
        }
      }
      Publisher.Published dailyPublished = publisher.publishPartitioned(DailyLocation.PREFIX, DailyLocation.MONTH, owned);
      outputs.add(new RunReport.Output(processed.uri().resolve(DailyLocation.PREFIX).toString(), null, null,
          dailyRows, dailyPublished.partitions()));
      publisher.commit();
      outputs.forEach(recorder::output);
      stage("publish", t);

      recorder.detail("datasets", accounting);
      recorder.detail("unconfigured_diseases", unconfigured);
      // an open end is JSON null, not the string "null"
      Map<String, String> bounds = new LinkedHashMap<>();
      bounds.put("from", range.from() == null ? null : range.from().toString());
      bounds.put("to", range.to() == null ? null : range.to().toString());
      recorder.detail("range", bounds);
      recorder.detail("stage_seconds", stageSeconds);
      return new Result(accounting, dailyRows, dailyPublished.partitions(), unconfigured, stageSeconds);
    } finally {
      // the newest first: the other datasets' cached rows were built from the locations' (the known
      // ids); dropping a cached Dataset that others were built from makes Spark plan them again
      List<Dataset<Row>> caches = new ArrayList<>(resolved.values());
      for (int i = caches.size() - 1; i >= 0; i--) {
        caches.get(i).unpersist();
      }
      publisher.cleanUp();
    }
  }

  /** The raw files of each dataset and their checked headers; fails (exit 2) before anything is written. */
  private Map<RawDataset, List<RawHeader>> discover() {
    List<ObjectInfo> files = raw.list("raw/");
    Map<RawDataset, List<RawHeader>> headers = new EnumMap<>(RawDataset.class);
    for (RawDataset dataset : RawDataset.values()) {
      List<RawHeader> found = new ArrayList<>();
      for (ObjectInfo file : files) {
        if (dataset.matches(file.key())) {
          found.add(RawHeader.read(raw, file.key(), dataset));
          inputBytes += file.size();
          recorder.input(new RunReport.InputFile(raw.uri().resolve(file.key()).toString(), file.size(), file.etag()));
        }
      }
      if (found.isEmpty()) {
        throw new InvalidInputException("no " + dataset.tableName() + " data: no " + dataset.filePrefix()
            + "*.csv in " + raw.uri() + " (run 'generate', or copy the raw files there)");
      }
      headers.put(dataset, found);
    }
    return headers;
  }

  private Dataset<Row> classify(RawDataset dataset, Map<RawDataset, List<RawHeader>> headers, Dataset<Row> knownIds) {
    Dataset<Row> rows = RawReader.read(spark, raw.uri(), dataset, headers.get(dataset));
    Dataset<Row> checked = Validation.checkRows(rows, dataset, knownIds);
    return Validation.rawOnQuarantinedOnly(Validation.resolveDuplicates(checked, dataset),
        rawColumns(dataset, headers.get(dataset))).persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static DatasetAccounting account(RawDataset dataset, Dataset<Row> resolved, List<RawHeader> headers) {
    long valid = 0;
    long quarantined = 0;
    long collapsed = 0;
    Map<String, Long> reasons = new TreeMap<>();
    // a handful of (status, reason) counts: the only thing collected to the driver
    for (Row row : resolved.groupBy(Validation.STATUS, Validation.REASON).count().collectAsList()) {
      long n = row.getLong(2);
      switch (row.getString(0)) {
        case Validation.VALID -> valid += n;
        case Validation.COLLAPSED -> collapsed += n;
        default -> {
          quarantined += n;
          reasons.merge(row.getString(1), n, Long::sum);
        }
      }
    }
    Set<String> unknown = new LinkedHashSet<>();
    headers.forEach(h -> unknown.addAll(h.unknownColumns(dataset)));
    DatasetAccounting accounting = new DatasetAccounting(valid + quarantined + collapsed, valid, quarantined, collapsed,
        reasons, headers.stream().map(RawHeader::file).toList(), List.copyOf(unknown));
    LOG.info("{}: {} rows read, {} valid, {} quarantined {}, {} duplicates collapsed", dataset.tableName(),
        accounting.rowsRead(), valid, quarantined, reasons, collapsed);
    return accounting;
  }

  /** Writes a cleaned table to staging (by month, restricted to the range); returns the rows written. */
  private long stageTable(Publisher publisher, RawDataset dataset, Dataset<Row> table, long validRows) {
    String staging = processed.uri().sparkPath(publisher.stagingKey(dataset.processedPrefix()));
    if (dataset.dateColumn().isEmpty()) {
      table.coalesce(1).write().mode(SaveMode.Overwrite).parquet(staging);
      return validRows;
    }
    Dataset<Row> withMonth = table.withColumn(DailyLocation.MONTH, DailyLocation.month(col(dataset.dateColumn().get())));
    if (!range.isAll()) {
      withMonth = DailyLocationTable.restrictToMonths(withMonth, range.from(), range.to());
    }
    withMonth.repartition(col(DailyLocation.MONTH)).write().mode(SaveMode.Overwrite)
        .partitionBy(DailyLocation.MONTH).parquet(staging);
    // all valid rows, or (for a range) those of its months: counted over the cached rows
    return range.isAll() ? validRows : withMonth.count();
  }

  private String quarantineTable(RawDataset dataset) {
    return "quarantine/" + dataset.tableName() + "/run_id=" + runId + "/";
  }

  private static List<String> rawColumns(RawDataset dataset, List<RawHeader> headers) {
    Set<String> columns = new LinkedHashSet<>(dataset.columnNames());
    headers.forEach(h -> h.names().stream().filter(n -> !n.isEmpty()).forEach(columns::add));
    return List.copyOf(columns);
  }

  private Set<String> unconfiguredDiseases(Dataset<Row> health) {
    Set<String> names = new java.util.TreeSet<>();
    // distinct disease names: a short list, not data
    for (Row row : health.select("disease").distinct().limit(1000).collectAsList()) {
      if (!settings.diseases().contains(row.getString(0))) {
        names.add(row.getString(0));
      }
    }
    return names;
  }

  private void stage(String name, long startNanos) {
    stageSeconds.put(name, Math.round((System.nanoTime() - startNanos) / 1e6) / 1000.0);
    LOG.info("process: stage {} done in {} s", name, stageSeconds.get(name));
  }
}
