package org.climatehealth.pipeline.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.climatehealth.pipeline.config.PredictSettings;
import org.climatehealth.pipeline.dataset.DailyLocation;
import org.climatehealth.pipeline.ingest.InvalidInputException;
import org.climatehealth.pipeline.model.Alerts;
import org.climatehealth.pipeline.model.Features;
import org.climatehealth.pipeline.model.ForecastModel;
import org.climatehealth.pipeline.model.Interval;
import org.climatehealth.pipeline.model.RiskModel;
import org.climatehealth.pipeline.model.Thresholds;
import org.climatehealth.pipeline.publish.Publisher;
import org.climatehealth.pipeline.registry.ModelMetadata;
import org.climatehealth.pipeline.registry.ModelRegistry;
import org.climatehealth.pipeline.registry.NoApprovedModelException;
import org.climatehealth.pipeline.registry.RegistryUsageException;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.spark.ShufflePartitions;
import org.climatehealth.pipeline.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code predict}: scores {@code daily_location} with the highest approved risk and forecast
 * models and writes {@code predictions/}, {@code forecasts/} and {@code alerts/} partitioned by
 * {@code date=YYYY-MM-DD} (CONTRACT §6), replacing exactly the dates of the run.
 *
 * <p>Features of a date come from that date and the {@value Features#LOOKBACK_DAYS} days before it
 * only. Rows that cannot be scored (no recent case reports, no population) are written to
 * {@code quarantine/predictions/run_id=ID/} with {@code _reason = MISSING_FEATURES} and a
 * {@code _detail}, and counted in the report; they are never skipped silently.
 *
 * <p>With only one of the two models approved, predict writes what that model gives and says what
 * it skipped (a warning, and {@code skipped} in the run report): the risk model alone gives
 * {@code predictions/} and HIGH_RISK alerts; the forecast model alone gives {@code forecasts/} and
 * CAPACITY_STRAIN alerts (with a null {@code risk_score}). The alerts of a date are the ones this
 * run could raise. Only when neither model is approved does it stop (exit 2).
 */
public final class PredictJob {
  private static final Logger LOG = LoggerFactory.getLogger(PredictJob.class);

  public static final String PREDICTIONS = "predictions/";
  public static final String FORECASTS = "forecasts/";
  public static final String ALERTS = "alerts/";
  public static final String UNSCORED = "quarantine/predictions/";
  public static final String PARTITION = "date";
  /** Staged partition column: a copy of the date, so the files keep their own {@code date} column. */
  private static final String STAGED_PARTITION = "partition_date";
  public static final String MISSING_FEATURES = "MISSING_FEATURES";

  /** The dates asked for: both null for the latest date with data; {@code to} null for "up to the latest". */
  public record Dates(LocalDate from, LocalDate to) {}

  /**
   * What the run did. {@code risk} or {@code forecast} is null when that model had no approved
   * version; {@code skipped} then says which outputs were not written and why.
   */
  public record Result(List<String> dates, long predictions, long forecasts, long alerts, long unscored,
      Map<String, Long> alertsByType, List<Row> topAlerts, ModelMetadata risk, ModelMetadata forecast,
      List<Skipped> skipped) {}

  /**
   * Outputs not written because a model had no approved version.
   *
   * @param model the model that was missing
   * @param outputs what was not written, e.g. {@code forecasts/ and CAPACITY_STRAIN alerts}
   * @param reason the registry's answer: what is missing and what to do
   */
  public record Skipped(String model, String outputs, String reason) {
    /** One line for the console: the missing model, what it costs, what to do. */
    public String warning() {
      return "warning: " + outputs + " not written: " + reason;
    }
  }

  private final SparkSession spark;
  private final PredictSettings settings;
  private final Storage processed;
  private final Storage models;
  private final ModelRegistry registry;
  private final String runId;
  private final RunRecorder recorder;

  public PredictJob(SparkSession spark, PredictSettings settings, Storage processed, Storage models,
      String runId, RunRecorder recorder) {
    this.spark = spark;
    this.settings = settings;
    this.processed = processed;
    this.models = models;
    this.registry = new ModelRegistry(models, java.time.Clock.systemUTC());
    this.runId = runId;
    this.recorder = recorder;
  }

  public Result run(Dates asked) {
    List<Skipped> skipped = new ArrayList<>();
    ModelMetadata riskVersion = approved(RiskModel.NAME, "predictions/ and HIGH_RISK alerts", skipped);
    ModelMetadata forecastVersion = approved(ForecastModel.NAME, "forecasts/ and CAPACITY_STRAIN alerts", skipped);
    if (riskVersion == null && forecastVersion == null) {
      throw new RegistryUsageException("nothing to predict with: "
          + String.join("; ", skipped.stream().map(Skipped::reason).toList()));
    }
    Dataset<Row> daily = readDaily();
    LocalDate latest = latestDate(daily);
    // --date D and --from/--to as given; --from alone: up to the latest date; --to alone: that date only
    LocalDate to = asked.to() != null ? asked.to() : latest;
    LocalDate from = asked.from() != null ? asked.from() : to;
    if (from.isAfter(to)) {
      throw new InvalidInputException("nothing to predict: --from " + from + " is after the latest date with data, "
          + latest + " (run process for later dates first)");
    }
    LOG.info("predict {}..{} with {} and {}", from, to, describe(RiskModel.NAME, riskVersion),
        describe(ForecastModel.NAME, forecastVersion));
    skipped.forEach(s -> LOG.warn(s.warning()));
    PipelineModel riskModel = riskVersion == null ? null : load(riskVersion);
    PipelineModel forecastModel = forecastVersion == null ? null : load(forecastVersion);

    // the look-back window before the first date, nothing after the last (no look-ahead)
    Dataset<Row> history = daily
        .filter(col(DailyLocation.MONTH).geq(YearMonth.from(from.minusDays(Features.LOOKBACK_DAYS)).toString())
            .and(col(DailyLocation.MONTH).leq(YearMonth.from(to).toString())))
        .filter(col("date").geq(lit(java.sql.Date.valueOf(from.minusDays(Features.LOOKBACK_DAYS))))
            .and(col("date").leq(lit(java.sql.Date.valueOf(to)))));
    Dataset<Row> features = Features.asOf(history)
        .filter(col("date").geq(lit(java.sql.Date.valueOf(from))))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Publisher publisher = new Publisher(processed, runId);
    try {
      Map<String, long[]> byDate = countByDate(features);
      if (byDate.isEmpty()) {
        throw new InvalidInputException("no daily_location rows from " + from + " to " + to + " in "
            + processed.uri().resolve(DailyLocation.PREFIX) + " (run process for those dates first)");
      }
      Dataset<Row> scorable = features.filter(col(Features.MISSING_REASON).isNull());
      // without a risk model every score is null: no HIGH_RISK alert, CAPACITY_STRAIN alerts without a score
      Dataset<Row> scored = (riskModel != null ? RiskModel.score(riskModel, withThresholds(scorable, riskVersion))
              : scorable.withColumn(RiskModel.SCORE, lit(null).cast(DataTypes.DoubleType)))
          .withColumn("risk_level", Alerts.riskLevel(col(RiskModel.SCORE), settings))
          .withColumn("run_id", lit(runId))
          .persist(StorageLevel.MEMORY_AND_DISK());
      try {
        // a table per approved model (null without one)
        Dataset<Row> predictions = riskModel == null ? null
            : scored.select(col("location_id"), col("date"), col("risk_score"), col("risk_level"),
                lit(RiskModel.NAME).as("model_name"), lit(riskVersion.version()).as("model_version"), col("run_id"),
                col(Thresholds.COLUMN));
        Dataset<Row> forecasts = forecastModel == null ? null
            : ForecastModel.score(forecastModel, Features.forecastRows(scorable, false))
                .select(col("location_id"), col("date").as("issue_date"), col(Features.TARGET_DATE).as("target_date"),
                    col(Features.HORIZON).cast(DataTypes.IntegerType).as("horizon_days"),
                    col(ForecastModel.PREDICTED_CASES).as("predicted_cases"),
                    lit(forecastVersion.version()).as("model_version"), lit(runId).as("run_id"),
                    bound(forecastVersion, true).as(Interval.LOWER), bound(forecastVersion, false).as(Interval.UPPER))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
          Dataset<Row> raised = Alerts.highRisk(scored, settings);
          if (forecasts != null) {
            raised = raised.unionByName(Alerts.capacityStrain(forecasts, scored, settings, runId));
          }
          Dataset<Row> alerts = raised.persist(StorageLevel.MEMORY_AND_DISK());
          try {
            if (predictions != null) {
              write(publisher, PREDICTIONS, predictions, "date");
            }
            if (forecasts != null) {
              write(publisher, FORECASTS, forecasts, "issue_date");
            }
            write(publisher, ALERTS, alerts, "date");
            writeEmptyPartitions(publisher, ALERTS, alerts, byDate.keySet());
            long unscored = byDate.values().stream().mapToLong(c -> c[1]).sum();
            if (unscored > 0) {
              features.filter(col(Features.MISSING_REASON).isNotNull())
                  .select(col("location_id"), date_format(col("date"), "yyyy-MM-dd").as("date"),
                      lit(MISSING_FEATURES).as("_reason"), col(Features.MISSING_REASON).as("_detail"))
                  .coalesce(1).write().mode(SaveMode.Overwrite)
                  .json(processed.uri().sparkPath(publisher.stagingKey(unscoredTable())));
            }
            Map<String, Long> alertsByType = new TreeMap<>();
            for (Row row : alerts.groupBy("alert_type").agg(count(lit(1))).collectAsList()) {
              alertsByType.put(row.getString(0), row.getLong(1));
            }
            // the most severe first, then the highest risk: a handful of rows for the summary
            List<Row> top = alerts.orderBy(when(col("severity").equalTo("CRITICAL"), 0).otherwise(1),
                col("risk_score").desc_nulls_last(), col("location_id")).limit(5).collectAsList();
            long scorableRows = byDate.values().stream().mapToLong(c -> c[0]).sum();
            long predictionRows = predictions == null ? 0 : scorableRows;
            long forecastRows = forecasts == null ? 0 : scorableRows * 7;
            long alertRows = alertsByType.values().stream().mapToLong(Long::longValue).sum();

            List<String> dates = new ArrayList<>(byDate.keySet());
            TreeSet<String> owned = datesBetween(from, to);
            List<RunReport.Output> outputs = new ArrayList<>();
            if (predictions != null) {
              outputs.add(publish(publisher, PREDICTIONS, owned, predictionRows));
            }
            if (forecasts != null) {
              outputs.add(publish(publisher, FORECASTS, owned, forecastRows));
            }
            outputs.add(publish(publisher, ALERTS, owned, alertRows));
            if (unscored > 0) {
              publisher.publishWhole(unscoredTable());
              outputs.add(new RunReport.Output(processed.uri().resolve(unscoredTable()).toString(), null, null,
                  unscored, null));
            }
            publisher.commit();
            outputs.forEach(recorder::output);
            recorder.detail("dates", Map.of("from", from.toString(), "to", to.toString(), "with_data", dates.size()));
            Map<String, Integer> versions = new TreeMap<>();
            if (riskVersion != null) {
              versions.put(RiskModel.NAME, riskVersion.version());
            }
            if (forecastVersion != null) {
              versions.put(ForecastModel.NAME, forecastVersion.version());
            }
            recorder.detail("models", versions);
            recorder.detail("skipped", skipped);
            recorder.detail("rows_scored", scorableRows);
            recorder.detail("rows_unscored", Map.of(MISSING_FEATURES, unscored));
            recorder.detail("alerts", alertsByType);
            return new Result(dates, predictionRows, forecastRows, alertRows, unscored, alertsByType, top,
                riskVersion, forecastVersion, List.copyOf(skipped));
          } finally {
            alerts.unpersist();
          }
        } finally {
          if (forecasts != null) {
            forecasts.unpersist();
          }
        }
      } finally {
        scored.unpersist();
      }
    } finally {
      features.unpersist();
      publisher.cleanUp();
    }
  }

  /**
   * The newest approved version of a model, recorded as an input of the run; null when it has
   * none, with what that skips added to {@code skipped}.
   */
  private ModelMetadata approved(String name, String outputs, List<Skipped> skipped) {
    try {
      ModelMetadata version = registry.requireApproved(name);
      recordModel(version);
      return version;
    } catch (NoApprovedModelException e) {
      skipped.add(new Skipped(name, outputs, e.getMessage()));
      return null;
    }
  }

  /** Adds the risk version's thresholds and the feature built on them: its saved table, or its absolute figure. */
  private Dataset<Row> withThresholds(Dataset<Row> rows, ModelMetadata risk) {
    String key = ModelRegistry.versionKey(risk.name(), risk.version()) + Thresholds.TABLE;
    boolean seasonal = Thresholds.savedAsTable(risk.parameters());
    double absolute = Thresholds.savedAbsolute(risk.parameters());
    LOG.info("risk v{} thresholds: {}", risk.version(), seasonal ? "seasonal, from " + models.uri().resolve(key)
        + " (" + absolute + " per 100k for a location without one)" : "absolute, " + absolute + " per 100k");
    return Thresholds.attach(rows, seasonal ? spark.read().parquet(registry.sparkPath(key)) : null, absolute);
  }

  /** A bound of the forecast's 80 % interval; null for a version trained without one. */
  private static Column bound(ModelMetadata forecast, boolean lower) {
    Interval interval = Interval.fromParameters(forecast.parameters());
    if (interval == null) {
      return lit(null).cast(DataTypes.DoubleType);
    }
    Column predicted = col(ForecastModel.PREDICTED_CASES);
    Column horizon = col(Features.HORIZON);
    return lower ? interval.lower(predicted, horizon) : interval.upper(predicted, horizon);
  }

  private PipelineModel load(ModelMetadata version) {
    return PipelineModel.load(registry.sparkPath(ModelRegistry.modelKey(version.name(), version.version())));
  }

  /** "risk v3", or "no risk model". */
  public static String describe(String name, ModelMetadata version) {
    return version == null ? "no " + name + " model" : name + " v" + version.version();
  }

  private String unscoredTable() {
    return UNSCORED + "run_id=" + runId + "/";
  }

  private Dataset<Row> readDaily() {
    if (!processed.exists(DailyLocation.FOLDER)) {
      throw new InvalidInputException("no daily_location table in " + processed.uri().resolve(DailyLocation.PREFIX)
          + ": run process first");
    }
    long bytes = processed.list(DailyLocation.PREFIX).stream().mapToLong(o -> o.size()).sum();
    ShufflePartitions.fit(spark, bytes, DailyLocation.BYTES_PER_SHUFFLE_PARTITION, "predict");
    return spark.read().parquet(processed.uri().sparkPath(DailyLocation.PREFIX));
  }

  /** The last date in daily_location: from its newest month partition only. */
  private LocalDate latestDate(Dataset<Row> daily) {
    Row newestMonth = daily.agg(max(col(DailyLocation.MONTH))).first();
    if (newestMonth.isNullAt(0)) {
      throw new InvalidInputException("daily_location in " + processed.uri().resolve(DailyLocation.PREFIX)
          + " is empty: run process first");
    }
    Row last = daily.filter(col(DailyLocation.MONTH).equalTo(newestMonth.getString(0))).agg(max(col("date"))).first();
    return last.getDate(0).toLocalDate();
  }

  /** Per date: rows that can be scored, rows that cannot. One small aggregate. */
  private static Map<String, long[]> countByDate(Dataset<Row> features) {
    Column missing = col(Features.MISSING_REASON).isNotNull();
    Map<String, long[]> counts = new TreeMap<>();
    for (Row row : features.groupBy(date_format(col("date"), "yyyy-MM-dd").as("d"))
        .agg(count(when(missing.unary_$bang(), 1)).as("scorable"), count(when(missing, 1)).as("unscorable"))
        .collectAsList()) {
      counts.put(row.getString(0), new long[] {row.getLong(1), row.getLong(2)});
    }
    return counts;
  }

  /** Stages a table partitioned by a copy of its date column, in the configured format. */
  private void write(Publisher publisher, String table, Dataset<Row> rows, String dateColumn) {
    writer(rows.withColumn(STAGED_PARTITION, date_format(col(dateColumn), "yyyy-MM-dd"))
            .repartition(col(STAGED_PARTITION)))
        .partitionBy(STAGED_PARTITION)
        .save(processed.uri().sparkPath(publisher.stagingKey(table)));
  }

  /** A writer in the configured format: CSV with a header, JSON with nulls kept. */
  private DataFrameWriter<Row> writer(Dataset<Row> rows) {
    return rows.write().mode(SaveMode.Overwrite).format(settings.format())
        .option("header", "true")
        .option("ignoreNullFields", "false");
  }

  /**
   * Gives every scored date an {@code alerts} partition, empty (with the schema) when it raised no
   * alert, so "no alerts that day" reads as zero rows, not as a missing partition.
   */
  private void writeEmptyPartitions(Publisher publisher, String table, Dataset<Row> rows, java.util.Set<String> dates) {
    String staged = publisher.stagingKey(table);
    for (String date : dates) {
      if (!processed.exists(staged + STAGED_PARTITION + "=" + date)) {
        writer(spark.createDataFrame(List.of(), rows.schema()).coalesce(1))
            .save(processed.uri().sparkPath(staged + STAGED_PARTITION + "=" + date));
      }
    }
  }

  /** Plans a table's publish; returns its entry for the run report. */
  private RunReport.Output publish(Publisher publisher, String table, TreeSet<String> owned, long rows) {
    Publisher.Published published = publisher.publishPartitioned(table, STAGED_PARTITION, PARTITION, owned::contains);
    return new RunReport.Output(processed.uri().resolve(table).toString(), null, null, rows, published.partitions());
  }

  private static TreeSet<String> datesBetween(LocalDate from, LocalDate to) {
    TreeSet<String> dates = new TreeSet<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      dates.add(d.toString());
    }
    return dates;
  }

  /** A model version as an input of the run: its folder and size. */
  private void recordModel(ModelMetadata version) {
    String key = ModelRegistry.versionKey(version.name(), version.version());
    long bytes = models.list(key).stream().mapToLong(o -> o.size()).sum();
    recorder.input(new RunReport.InputFile(models.uri().resolve(key).toString(), bytes, null));
  }
}
