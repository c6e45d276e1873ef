package org.climatehealth.pipeline.jobs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.weekofyear;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.climatehealth.pipeline.cli.ExitCodes;
import org.climatehealth.pipeline.publish.FaultInjection;
import org.climatehealth.pipeline.testing.ChildJvm;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * train and predict through the command line on generated data: 8 locations x 300 days from
 * 2023-01-01 (the last day 2023-10-27), processed once, trained once with 35-day hold-outs.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainPredictTest {
  private static final String LAST_DAY = "2023-10-27";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path dir;
  private static SparkSession spark;
  private static CliRun trained;

  @BeforeAll
  static void trainOnGeneratedData() {
    spark = TestSpark.session();
    assertThat(CliRun.of(args("generate", "--locations", "8", "--days", "300")).exitCode()).isZero();
    assertThat(CliRun.of(args("process")).exitCode()).isZero();
    trained = CliRun.of(args("train", "--model", "risk,forecast", "--run-id", "train-1"));
  }

  /** A command with the temp stores, short hold-outs and the local profile (auto approval). */
  static String[] args(String... command) {
    List<String> all = new ArrayList<>(Arrays.asList(command));
    all.addAll(List.of(
        "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed"),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models"),
        "--conf", "pipeline.models.risk.holdout-days=35",
        "--conf", "pipeline.models.forecast.holdout-days=35",
        "--conf", "pipeline.models.risk.backtest-origins=2",
        "--conf", "pipeline.models.forecast.backtest-origins=2",
        // 300 days of data: one year of each week, so the seasonal rule needs one
        "--conf", "pipeline.models.risk.seasonal.min-years=1"));
    return all.toArray(String[]::new);
  }

  static String[] args(List<String> extra, String... command) {
    List<String> all = new ArrayList<>(Arrays.asList(args(command)));
    all.addAll(extra);
    return all.toArray(String[]::new);
  }

  private static JsonNode metadata(String name, int version) throws IOException {
    return JSON.readTree(dir.resolve(String.format("models/models/%s/v%04d/metadata.json", name, version)).toFile());
  }

  @Test
  @Order(1)
  void trainRegistersApprovedVersionsWithMetricsAndRanges() throws IOException {
    assertThat(trained.exitCode()).as(trained.err()).isZero();
    JsonNode risk = metadata("risk", 1);
    assertThat(risk.get("status").asText()).isEqualTo("approved");
    assertThat(risk.get("approved_by").asText()).isEqualTo("policy:auto");
    assertThat(risk.get("run_id").asText()).isEqualTo("train-1");
    assertThat(risk.get("algorithm").asText()).isEqualTo("LogisticRegression");
    assertThat(risk.get("metrics").get("roc_auc").asDouble()).isGreaterThanOrEqualTo(0.75);
    assertThat(risk.get("metrics").has("pr_auc")).isTrue();
    assertThat(risk.get("metrics").has("precision_at_high")).isTrue();
    assertThat(risk.get("metrics").has("recall_at_high")).isTrue();
    assertThat(risk.get("gate").get("passed").asBoolean()).isTrue();
    // labels need the next 7 days: the last labelled date is 7 days before the data ends;
    // the backtest is its last 35 days from 2 origins (17 and 18 days), each trained up to 8 days
    // before its origin; the registered model is trained on every labelled date
    assertThat(risk.get("evaluation").get("to").asText()).isEqualTo("2023-10-20");
    assertThat(risk.get("evaluation").get("from").asText()).isEqualTo("2023-09-16");
    assertThat(risk.get("training").get("to").asText()).isEqualTo("2023-10-20");
    assertThat(risk.get("evaluation").get("rows").asLong()).isEqualTo(8 * 35);
    assertThat(risk.get("features").size()).isGreaterThan(10);
    JsonNode origins = risk.get("backtest").get("origins");
    assertThat(origins).hasSize(2);
    assertThat(origins.get(0).get("origin").asText()).isEqualTo("2023-09-16");
    assertThat(origins.get(0).get("trained_to").asText()).isEqualTo("2023-09-08");
    assertThat(origins.get(1).get("origin").asText()).isEqualTo("2023-10-03");
    assertThat(origins.get(1).get("trained_to").asText()).isEqualTo("2023-09-25");
    assertThat(origins.get(0).get("rows").asDouble() + origins.get(1).get("rows").asDouble()).isEqualTo(8 * 35);
    assertThat(risk.get("backtest").get("worst_origin").get("roc_auc").asDouble())
        .isEqualTo(Math.min(origins.get(0).get("roc_auc").asDouble(), origins.get(1).get("roc_auc").asDouble()));
    assertThat(risk.get("backtest").get("alerts_by_location").get("locations").asLong()).isEqualTo(8);
    assertThat(risk.get("metrics").has("false_alarm_rate_at_high")).isTrue();
    // seasonal thresholds: data from Sunday 2023-01-01 (ISO week 52 of 2022) to 2023-10-27; labelled
    // dates fill weeks 52 and 1..42, so weeks 43..51 and 53 fall back: 10 of 53 for each location
    JsonNode threshold = risk.get("parameters").get("threshold");
    assertThat(threshold.get("rule").asText()).isEqualTo("seasonal");
    assertThat(threshold.get("locations").asLong()).isEqualTo(8);
    assertThat(threshold.get("location_weeks_fallback").asLong()).isEqualTo(8 * 10);
    assertThat(threshold.get("locations_some_weeks_fallback").asLong()).isEqualTo(8);
    assertThat(spark.read().parquet(dir.resolve("models/models/risk/v0001/thresholds").toString()).count())
        .isEqualTo(8 * 53);
    assertThat(spark.read().parquet(dir.resolve("models/models/risk/v0001/backtest_alerts_by_location").toString())
        .count()).isEqualTo(8);

    JsonNode forecast = metadata("forecast", 1);
    assertThat(forecast.get("status").asText()).isEqualTo("approved");
    double mae = forecast.get("metrics").get("mae").asDouble();
    double naive = forecast.get("metrics").get("seasonal_naive_mae").asDouble();
    assertThat(mae).isLessThan(naive);
    assertThat(forecast.get("gate").get("threshold").asDouble()).isEqualTo(naive);
    assertThat(forecast.get("backtest").get("origins")).hasSize(2);
    assertThat(forecast.get("metrics").get("interval_80_coverage").asDouble()).isBetween(0.5, 1.0);
    assertThat(forecast.get("backtest").get("interval_80_coverage").asText()).startsWith("out of sample");
    assertThat(forecast.get("parameters").get("interval_80").get("by_horizon")).hasSize(7);
    assertThat(dir.resolve("models/models/risk/v0001/model/metadata")).isDirectory();
    assertThat(trained.out()).contains("risk      v0001   approved").contains("forecast  v0001   approved");
  }

  @Test
  @Order(2)
  void predictWritesTheThreeDatePartitionsWithTheContractColumns() {
    CliRun run = CliRun.of(args("predict", "--date", LAST_DAY, "--run-id", "p-1"));
    assertThat(run.exitCode()).as(run.err()).isZero();

    Path processed = dir.resolve("processed");
    for (String table : List.of("predictions", "forecasts", "alerts")) {
      assertThat(processed.resolve(table + "/date=" + LAST_DAY)).isDirectory();
    }
    Dataset<Row> predictions = spark.read().parquet(processed.resolve("predictions/date=" + LAST_DAY).toString());
    assertThat(types(predictions)).containsExactly(
        "location_id:string", "date:date", "risk_score:double", "risk_level:string", "model_name:string",
        "model_version:int", "run_id:string", "risk_threshold_per_100k:double");
    assertThat(predictions.count()).isEqualTo(8);
    // scored against the thresholds saved with the model: each location's, for the date's ISO week
    Dataset<Row> thresholds = spark.read().parquet(dir.resolve("models/models/risk/v0001/thresholds").toString());
    assertThat(predictions.join(thresholds, predictions.col("location_id").equalTo(thresholds.col("location_id"))
            .and(thresholds.col("iso_week").equalTo(weekofyear(predictions.col("date"))))
            .and(thresholds.col("risk_threshold_per_100k").equalTo(predictions.col("risk_threshold_per_100k"))))
        .count()).isEqualTo(8);
    assertThat(predictions.filter(col("risk_score").lt(0).or(col("risk_score").gt(1))).count()).isZero();
    assertThat(predictions.select("risk_level").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList())
        .isSubsetOf("LOW", "MEDIUM", "HIGH");
    assertThat(predictions.filter(col("model_name").equalTo("risk").and(col("model_version").equalTo(1))
        .and(col("run_id").equalTo("p-1")).and(col("date").equalTo(lit(Date.valueOf(LAST_DAY))))).count()).isEqualTo(8);

    Dataset<Row> forecasts = spark.read().parquet(processed.resolve("forecasts/date=" + LAST_DAY).toString());
    assertThat(types(forecasts)).containsExactly(
        "location_id:string", "issue_date:date", "target_date:date", "horizon_days:int", "predicted_cases:double",
        "model_version:int", "run_id:string", "predicted_cases_lower:double", "predicted_cases_upper:double");
    assertThat(forecasts.count()).isEqualTo(8 * 7);
    assertThat(forecasts.filter("predicted_cases_lower is null or predicted_cases_lower < 0 "
        + "or predicted_cases_lower > predicted_cases or predicted_cases_upper < predicted_cases").count()).isZero();
    assertThat(forecasts.filter("predicted_cases_upper > predicted_cases_lower").count()).isPositive();
    assertThat(forecasts.filter("datediff(target_date, issue_date) != horizon_days or predicted_cases < 0").count())
        .isZero();

    Dataset<Row> alerts = spark.read().parquet(processed.resolve("alerts/date=" + LAST_DAY).toString());
    assertThat(types(alerts)).containsExactly(
        "location_id:string", "date:date", "alert_type:string", "severity:string", "message:string",
        "risk_score:double", "run_id:string");
    // exactly one HIGH_RISK alert per HIGH prediction
    assertThat(alerts.filter(col("alert_type").equalTo("HIGH_RISK")).count())
        .isEqualTo(predictions.filter(col("risk_level").equalTo("HIGH")).count());
    assertThat(run.out()).contains("8 locations scored, 56 forecasts");
  }

  @Test
  @Order(3)
  void reRunningADateReplacesThatDateOnly() throws IOException {
    assertThat(CliRun.of(args("predict", "--from", "2023-10-25", "--to", "2023-10-26", "--run-id", "p-2")).exitCode())
        .isZero();
    List<String> before = files("predictions/date=2023-10-26");
    CliRun again = CliRun.of(args("predict", "--date", "2023-10-26", "--run-id", "p-3"));
    assertThat(again.exitCode()).as(again.err()).isZero();

    Dataset<Row> all = spark.read().parquet(dir.resolve("processed/predictions").toString());
    Map<String, Long> rowsByDate = new TreeMap<>();
    for (Row row : all.groupBy(col("date").cast("string")).count().collectAsList()) {
      rowsByDate.put(row.getString(0), row.getLong(1));
    }
    assertThat(rowsByDate).containsExactlyEntriesOf(new TreeMap<>(Map.of(
        "2023-10-25", 8L, "2023-10-26", 8L, LAST_DAY, 8L)));
    assertThat(all.filter(col("date").equalTo(lit(Date.valueOf("2023-10-26")))).select("run_id").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactly("p-3");
    assertThat(all.filter(col("date").equalTo(lit(Date.valueOf("2023-10-25")))).select("run_id").distinct()
        .as(org.apache.spark.sql.Encoders.STRING()).collectAsList()).containsExactly("p-2");
    // the new file took the old one's fixed name: one object overwrite, never two files at once
    assertThat(before).containsExactly("part-00000.c000.snappy.parquet");
    assertThat(files("predictions/date=2023-10-26")).containsExactly("part-00000.c000.snappy.parquet");
    assertThat(spark.read().parquet(dir.resolve("processed/forecasts").toString())
        .filter(col("issue_date").equalTo(lit(Date.valueOf("2023-10-26")))).count()).isEqualTo(56);
  }

  @Test
  @Order(4)
  void theScoreOfADateDoesNotDependOnLaterData() throws IOException {
    String day = "2023-10-10";
    Map<String, Double> original = scores(dir.resolve("processed"), day, "nla-1");

    // a processed store whose daily_location has every case count after the day changed
    Path altered = dir.resolve("processed-altered");
    Dataset<Row> daily = spark.read().parquet(dir.resolve("processed/processed/daily_location").toString());
    daily.withColumn("cases_total", when(col("date").gt(lit(Date.valueOf(day))), col("cases_total").multiply(50))
            .otherwise(col("cases_total")))
        .write().mode(SaveMode.Overwrite).partitionBy("month")
        .parquet(altered.resolve("processed/daily_location").toString());
    assertThat(scores(altered, day, "nla-2")).isEqualTo(original);
  }

  private static Map<String, Double> scores(Path processed, String day, String runId) {
    List<String> extra = List.of("--conf", "pipeline.stores.processed=file:" + processed);
    CliRun run = CliRun.of(args(extra, "predict", "--date", day, "--run-id", runId));
    assertThat(run.exitCode()).as(run.err()).isZero();
    Map<String, Double> scores = new TreeMap<>();
    for (Row row : spark.read().parquet(processed.resolve("predictions/date=" + day).toString()).collectAsList()) {
      scores.put(row.getAs("location_id"), row.getAs("risk_score"));
    }
    assertThat(scores).hasSize(8);
    return scores;
  }

  @Test
  @Order(5)
  void predictionsCanBeWrittenAsJsonOrCsv() {
    Path jsonStore = dir.resolve("processed-json");
    copyDaily(jsonStore);
    List<String> json = List.of("--conf", "pipeline.stores.processed=file:" + jsonStore,
        "--conf", "pipeline.predict.format=json");
    assertThat(CliRun.of(args(json, "predict", "--date", LAST_DAY)).exitCode()).isZero();
    Dataset<Row> read = spark.read().json(jsonStore.resolve("predictions/date=" + LAST_DAY).toString());
    assertThat(read.count()).isEqualTo(8);
    assertThat(read.columns()).contains("location_id", "date", "risk_score", "risk_level", "model_version");

    List<String> csv = List.of("--conf", "pipeline.stores.processed=file:" + jsonStore,
        "--conf", "pipeline.predict.format=csv");
    assertThat(CliRun.of(args(csv, "predict", "--date", LAST_DAY)).exitCode()).isZero();
    Dataset<Row> csvRead = spark.read().option("header", "true")
        .csv(jsonStore.resolve("forecasts/date=" + LAST_DAY).toString());
    assertThat(csvRead.count()).isEqualTo(56);
    assertThat(csvRead.columns()).containsExactly("location_id", "issue_date", "target_date", "horizon_days",
        "predicted_cases", "model_version", "run_id", "predicted_cases_lower", "predicted_cases_upper");
  }

  @Test
  @Order(6)
  void withoutAnApprovedModelPredictStopsWithExit2AndSaysWhatToDo() {
    List<String> empty = List.of("--conf", "pipeline.stores.models=file:" + dir.resolve("no-models"));
    CliRun run = CliRun.of(args(empty, "predict", "--date", LAST_DAY));
    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    // neither model: both named, each with what to do
    assertThat(run.errLines().get(0)).contains("nothing to predict with")
        .contains("model 'risk'").contains("train --model risk")
        .contains("model 'forecast'").contains("train --model forecast");
  }

  @Test
  @Order(6)
  void withTheForecastModelAlonePredictWritesForecastsAndCapacityAlertsAndSaysWhatItSkipped() throws IOException {
    CliRun run = predictWithOnly("forecast", "only-forecast");

    assertThat(run.exitCode()).as(run.err()).isZero();
    Path models = dir.resolve("models-only-forecast");
    assertThat(run.errLines()).containsExactly("warning: predictions/ and HIGH_RISK alerts not written: no approved "
        + "version of model 'risk' in file:" + models + ": train one with `scripts/pipeline train --model risk`");
    Path processed = dir.resolve("processed-only-forecast");
    assertThat(spark.read().parquet(processed.resolve("forecasts/date=" + LAST_DAY).toString()).count())
        .isEqualTo(8 * 7);
    assertThat(processed.resolve("predictions")).doesNotExist();
    Dataset<Row> alerts = spark.read().parquet(processed.resolve("alerts/date=" + LAST_DAY).toString());
    assertThat(alerts.where(col("alert_type").notEqual("CAPACITY_STRAIN")).count()).isZero();
    assertThat(alerts.where(col("risk_score").isNotNull()).count()).isZero();
    assertThat(run.out()).contains("with no risk model and forecast v1: 0 locations scored, 56 forecasts");

    JsonNode report = JSON.readTree(processed.resolve("_runs/predict/only-forecast.json").toFile());
    assertThat(report.get("status").asText()).isEqualTo("success");
    JsonNode skipped = report.get("details").get("skipped");
    assertThat(skipped).hasSize(1);
    assertThat(skipped.get(0).get("model").asText()).isEqualTo("risk");
    assertThat(skipped.get(0).get("outputs").asText()).isEqualTo("predictions/ and HIGH_RISK alerts");
    assertThat(report.get("details").get("models").toString()).isEqualTo("{\"forecast\":1}");
    List<String> outputs = new ArrayList<>();
    report.get("outputs").forEach(o -> outputs.add(o.get("path").asText()));
    assertThat(outputs).containsExactly("file:" + processed + "/forecasts", "file:" + processed + "/alerts");
  }

  @Test
  @Order(6)
  void withTheRiskModelAlonePredictWritesPredictionsAndRiskAlerts() throws IOException {
    CliRun run = predictWithOnly("risk", "only-risk");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.errLines()).hasSize(1);
    assertThat(run.errLines().get(0)).startsWith("warning: forecasts/ and CAPACITY_STRAIN alerts not written: "
        + "no approved version of model 'forecast'");
    Path processed = dir.resolve("processed-only-risk");
    assertThat(spark.read().parquet(processed.resolve("predictions/date=" + LAST_DAY).toString()).count())
        .isEqualTo(8);
    assertThat(processed.resolve("forecasts")).doesNotExist();
    Dataset<Row> alerts = spark.read().parquet(processed.resolve("alerts/date=" + LAST_DAY).toString());
    assertThat(alerts.where(col("alert_type").notEqual("HIGH_RISK")).count()).isZero();
    assertThat(run.out()).contains("with risk v1 and no forecast model: 8 locations scored, 0 forecasts");
  }

  @Test
  @Order(6)
  void runWhoseRiskModelMissesItsGateStillWritesTheForecastsAndExits3() throws IOException {
    Path models = dir.resolve("models-run-gate");
    org.climatehealth.pipeline.testing.TestFiles.copyTree(dir.resolve("models/models/forecast"),
        models.resolve("models/forecast"));
    Path processed = dir.resolve("processed-run-gate");

    CliRun run = CliRun.of(args(List.of("--conf", "pipeline.stores.processed=file:" + processed,
        "--conf", "pipeline.stores.models=file:" + models, "--conf", "pipeline.models.risk.min-roc-auc=0.9999",
        "--conf", "pipeline.models.risk.backtest-origins=1"),
        "run", "--run-id", "run-gate"));

    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.GATE_FAILED);
    // only the model without an approved version is trained; its miss is the first line, the skip the next
    assertThat(run.out()).contains("train: risk v0001 rejected").doesNotContain("train: forecast");
    assertThat(run.errLines().get(0)).startsWith("error: model risk v1 missed its quality gate: roc_auc ")
        .endsWith("(registered as rejected; predict wrote what the approved model gives)");
    assertThat(run.errLines().get(1)).startsWith("warning: predictions/ and HIGH_RISK alerts not written: ");
    assertThat(run.out()).contains("with no risk model and forecast v1: 0 locations scored, 56 forecasts");
    assertThat(spark.read().parquet(processed.resolve("forecasts/date=" + LAST_DAY).toString()).count())
        .isEqualTo(8 * 7);
    assertThat(processed.resolve("predictions")).doesNotExist();
    JsonNode report = JSON.readTree(processed.resolve("_runs/run/run-gate.json").toFile());
    assertThat(report.get("status").asText()).isEqualTo("gate_failed");
    assertThat(report.get("details").get("skipped").get(0).get("model").asText()).isEqualTo("risk");
  }

  /** predict on a copy of daily_location, with a models store holding only the approved {@code model}. */
  private static CliRun predictWithOnly(String model, String runId) throws IOException {
    Path processed = dir.resolve("processed-" + runId);
    copyDaily(processed);
    Path models = dir.resolve("models-" + runId);
    org.climatehealth.pipeline.testing.TestFiles.copyTree(dir.resolve("models/models/" + model),
        models.resolve("models/" + model));
    return CliRun.of(args(List.of("--conf", "pipeline.stores.processed=file:" + processed,
        "--conf", "pipeline.stores.models=file:" + models), "predict", "--date", LAST_DAY, "--run-id", runId));
  }

  @Test
  @Order(7)
  void aModelThatMissesItsGateIsRegisteredRejectedAndTheJobExits3() throws IOException {
    CliRun run = CliRun.of(args(List.of("--conf", "pipeline.models.risk.min-roc-auc=0.9999",
        "--conf", "pipeline.models.risk.backtest-origins=1"),
        "train", "--model", "risk", "--run-id", "gate-1"));
    assertThat(run.exitCode()).isEqualTo(ExitCodes.GATE_FAILED);
    assertThat(run.errLines().get(0)).startsWith("error: model risk v2 missed its quality gate: roc_auc ")
        .contains("below the gate's minimum 0.9999");
    JsonNode rejected = metadata("risk", 2);
    assertThat(rejected.get("status").asText()).isEqualTo("rejected");
    assertThat(rejected.get("rejected_by").asText()).isEqualTo("gate");
    assertThat(rejected.get("gate").get("passed").asBoolean()).isFalse();
    JsonNode report = JSON.readTree(dir.resolve("processed/_runs/train/gate-1.json").toFile());
    assertThat(report.get("status").asText()).isEqualTo("gate_failed");
    // predict keeps using the highest approved version
    CliRun predict = CliRun.of(args("predict", "--date", LAST_DAY, "--run-id", "after-gate"));
    assertThat(predict.out()).contains("with risk v1");
  }

  @Test
  @Order(8)
  void aPredictKilledWhilePublishingLeavesWholeDatesAndTheNextRunEqualsACleanOne() throws IOException {
    String day = "2023-10-20";
    Path clean = dir.resolve("processed-clean-predict");
    Path killed = dir.resolve("processed-killed-predict");
    copyDaily(clean);
    copyDaily(killed);
    List<String> cleanStore = List.of("--conf", "pipeline.stores.processed=file:" + clean);
    List<String> killedStore = List.of("--conf", "pipeline.stores.processed=file:" + killed);
    assertThat(CliRun.of(args(cleanStore, "predict", "--date", day, "--run-id", "clean")).exitCode()).isZero();
    // an earlier run's date, which the killed run does not own
    assertThat(CliRun.of(args(killedStore, "predict", "--date", LAST_DAY, "--run-id", "earlier")).exitCode()).isZero();
    Map<String, String> earlier = contents(killed, "date=" + LAST_DAY);

    // SIGKILL before the publish's second move: predictions' date is in place, forecasts' and alerts' not yet
    try (ChildJvm child = ChildJvm.start(dir.resolve("child"),
        List.of("-D" + FaultInjection.PROPERTY + "=pause@publish.move.2"),
        List.of(args(killedStore, "predict", "--date", day, "--run-id", "killed")))) {
      child.awaitPause(Duration.ofMinutes(3));
      child.kill();
    }
    assertThat(rowsWithoutRunId(killed, "predictions", day)).isEqualTo(rowsWithoutRunId(clean, "predictions", day));
    assertThat(killed.resolve("forecasts/date=" + day)).doesNotExist();
    assertThat(killed.resolve("alerts/date=" + day)).doesNotExist();
    assertThat(contents(killed, "date=" + LAST_DAY)).isEqualTo(earlier);

    CliRun next = CliRun.of(args(killedStore, "predict", "--date", day, "--run-id", "next"));
    assertThat(next.exitCode()).as(next.err()).isZero();
    for (String table : List.of("predictions", "forecasts", "alerts")) {
      assertThat(rowsWithoutRunId(killed, table, day)).as(table).isEqualTo(rowsWithoutRunId(clean, table, day));
    }
    // 8 locations; 7 horizons each; that day raised no alert (its partition is there, empty)
    assertThat(rowsWithoutRunId(killed, "predictions", day)).hasSize(8);
    assertThat(rowsWithoutRunId(killed, "forecasts", day)).hasSize(56);
    assertThat(rowsWithoutRunId(killed, "alerts", day)).isEmpty();
    assertThat(contents(killed, "date=" + LAST_DAY)).isEqualTo(earlier);
    assertThat(killed.resolve("_staging")).doesNotExist();
    assertThat(killed.resolve("_publish")).doesNotExist();
    assertThat(killed.resolve("_lease/run.json")).doesNotExist();
  }

  /** A date's rows of a table without the run id, sorted. */
  private static List<String> rowsWithoutRunId(Path store, String table, String day) {
    List<String> rows = new ArrayList<>(spark.read().parquet(store.resolve(table + "/date=" + day).toString())
        .drop("run_id").collectAsList().stream().map(Row::toString).toList());
    rows.sort(null);
    return rows;
  }

  /** Every file of the store in a folder named {@code folderName}, with its bytes (Base64). */
  private static Map<String, String> contents(Path store, String folderName) throws IOException {
    Map<String, String> contents = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(store)) {
      for (Path file : walk.filter(Files::isRegularFile)
          .filter(f -> f.getParent().getFileName().toString().equals(folderName)).toList()) {
        contents.put(store.relativize(file).toString(), Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
      }
    }
    assertThat(contents).isNotEmpty();
    return contents;
  }

  private static void copyDaily(Path store) {
    spark.read().parquet(dir.resolve("processed/processed/daily_location").toString())
        .write().mode(SaveMode.Overwrite).partitionBy("month")
        .parquet(store.resolve("processed/daily_location").toString());
  }

  private static List<String> types(Dataset<Row> rows) {
    return Arrays.stream(rows.schema().fields()).map(TrainPredictTest::type).toList();
  }

  private static String type(StructField field) {
    return field.name() + ":" + (field.dataType().equals(DataTypes.IntegerType) ? "int" : field.dataType().typeName());
  }

  private static List<String> files(String folder) throws IOException {
    try (Stream<Path> files = Files.list(dir.resolve("processed").resolve(folder))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".parquet")).sorted().toList();
    }
  }
}
