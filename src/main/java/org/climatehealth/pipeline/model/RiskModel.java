package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.climatehealth.pipeline.config.ModelSettings;
import org.climatehealth.pipeline.registry.ModelMetadata.Gate;

/**
 * The {@code risk} model: the probability that the next 7 days' incidence per 100k exceeds the
 * location's threshold ({@link Thresholds}), from features known on the scoring date
 * ({@link Features#asOf}). Pipeline: imputer, assembler, scaler, logistic regression. Gate: ROC
 * AUC pooled over a rolling-origin {@link Backtest}.
 */
public final class RiskModel {
  public static final String NAME = "risk";
  /** The column the fitted model adds: the probability of the positive class. */
  public static final String SCORE = "risk_score";

  static final double ELASTIC_NET = 0.0;

  private RiskModel() {}

  /**
   * Backtests, then trains on every labelled date: features with
   * {@link Features#FUTURE_INCIDENCE_7D} ({@link Features#withFutureIncidence}); rows whose future
   * is unknown or whose features are missing are left out and counted. Each backtest origin fits
   * its own thresholds ({@link Thresholds}) and model on the dates before it; the registered model
   * and its thresholds come from every labelled date. The returned model's tables (thresholds,
   * alert performance by location) stay cached until {@link TrainedModel#release}.
   */
  public static TrainedModel train(Dataset<Row> features, ModelSettings.Risk settings, double highRisk) {
    Column future = col(Features.FUTURE_INCIDENCE_7D);
    Column usable = col(Features.MISSING_REASON).isNull().and(future.isNotNull());
    List<Column> summary = new ArrayList<>(List.of(
        count(lit(1)).as("rows"),
        sum(when(col(Features.MISSING_REASON).isNotNull(), 1).otherwise(0)).as("missing_features"),
        sum(when(col(Features.MISSING_REASON).isNull().and(future.isNull()), 1).otherwise(0)).as("no_label"),
        min(when(usable, col("date"))).as("first"),
        max(when(usable, col("date"))).as("last")));
    for (String feature : Features.IMPUTED) {
      summary.add(count(when(usable, col(feature))).as("present_" + feature));
    }
    Row facts = features.agg(summary.get(0), summary.subList(1, summary.size()).toArray(new Column[0])).first();
    if (facts.isNullAt(facts.fieldIndex("last"))) {
      throw new TimeSplit.NotEnoughData(NAME + ": no row has both features and a known label (the next 7 days "
          + "reported): process more days of data");
    }
    Backtest backtest = Backtest.of(NAME, date(facts, "first"), date(facts, "last"), settings.holdoutDays(),
        settings.origins());
    List<String> used = presentFeatures(Features.RISK_FEATURES, facts);

    Dataset<Row> rows = features.filter(usable).persist(StorageLevel.MEMORY_AND_DISK());
    List<Dataset<Row>> folds = new ArrayList<>();
    Dataset<Row> pooled = null;
    Thresholds.Fitted thresholds = null;
    try {
      // every origin, and the registered model, fitted at the same time (Concurrently)
      List<Callable<Dataset<Row>>> tasks = new ArrayList<>();
      for (int i = 0; i < backtest.folds().size(); i++) {
        int origin = i;
        tasks.add(() -> scoredFold(rows, backtest, origin, used, settings));
      }
      Thresholds.Fitted[] all = new Thresholds.Fitted[1];
      PipelineModel[] registered = new PipelineModel[1];
      tasks.add(() -> {
        // the registered model: thresholds and model from every labelled date
        all[0] = Thresholds.fit(rows, settings);
        registered[0] = fit(labelled(rows, all[0]), used, settings);
        return null;
      });
      try {
        folds.addAll(Concurrently.run(tasks).subList(0, backtest.folds().size()));
      } finally {
        thresholds = all[0];
      }
      PipelineModel model = registered[0];
      pooled = pooledOf(folds);
      List<Map<String, Double>> byOrigin = new ArrayList<>();
      for (int i = 0; i < backtest.folds().size(); i++) {
        Map<String, Double> metrics = evaluate(pooled.filter(col(Backtest.ORIGIN).equalTo(i)), highRisk);
        metrics.remove("negatives");
        byOrigin.add(metrics);
      }
      Map<String, Double> metrics = evaluate(pooled, highRisk);
      long evaluationRows = metrics.remove("rows").longValue();
      Dataset<Row> byLocation = AlertPerformance.byLocation(pooled, highRisk).persist(StorageLevel.MEMORY_AND_DISK());
      long trainingRows = rows.count();

      String span = "the backtest " + backtest.evalFrom() + ".." + backtest.last();
      Gate gate = Gates.atLeast("roc_auc", metrics.get("roc_auc"), settings.minRocAuc(),
          metrics.get("positives") == 0 || metrics.get("negatives") == 0
              ? span + " has only one class (" + metrics.get("positives").longValue() + " positive rows): widen "
                  + "the hold-out (pipeline.models.risk.holdout-days)"
                  + (settings.threshold() == ModelSettings.ThresholdRule.ABSOLUTE
                      ? " or lower pipeline.models.risk.incidence-threshold-per-100k"
                      : " or lower pipeline.models.risk.seasonal.sd")
              : "no rows to evaluate");

      Map<String, Object> parameters = new LinkedHashMap<>();
      parameters.put("threshold", thresholds.summary());
      parameters.put("incidence_threshold_per_100k", settings.incidenceThresholdPer100k());
      parameters.put("holdout_days", settings.holdoutDays());
      parameters.put("backtest_origins", backtest.folds().size());
      parameters.put("max_iter", settings.maxIter());
      parameters.put("reg_param", settings.regParam());
      parameters.put("elastic_net_param", ELASTIC_NET);
      parameters.put("high_risk_threshold", highRisk);
      parameters.put("imputed_with_training_mean", Features.IMPUTED.stream().filter(used::contains).toList());
      parameters.put("left_out_no_values", leftOut(Features.RISK_FEATURES, used));
      Map<String, Long> excluded = new LinkedHashMap<>();
      excluded.put("missing_features", facts.getLong(facts.fieldIndex("missing_features")));
      excluded.put("label_unknown_next_7_days_not_all_reported", facts.getLong(facts.fieldIndex("no_label")));
      String oneClass = span + " has only one class (" + metrics.get("positives").longValue() + " positive rows of "
          + evaluationRows + ")";
      Map<String, String> why = Map.of("roc_auc", oneClass, "pr_auc", oneClass,
          "precision_at_high", "no backtest row scored at or above the HIGH threshold " + highRisk,
          "recall_at_high", "the backtest has no positive rows",
          "false_alarm_rate_at_high", "the backtest has no negative rows",
          "positive_rate", "the backtest has no rows");
      List<Map<String, Object>> origins = backtest.perOrigin(byOrigin);
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("origins", origins);
      report.put("worst_origin", Backtest.worst(origins, "roc_auc", true));
      report.put("alerts_by_location", AlertPerformance.summary(byLocation));
      report.put("alerts_by_level", AlertPerformance.byLevel(pooled));
      Map<String, Dataset<Row>> tables = new LinkedHashMap<>();
      if (thresholds.table() != null) {
        tables.put(Thresholds.TABLE, thresholds.table());
      }
      tables.put(AlertPerformance.TABLE, byLocation);
      return new TrainedModel(NAME, model, "LogisticRegression", parameters, used,
          Features.RISK_LABEL + ": 1 when the next 7 days' cases per 100k exceed the location's threshold ("
              + (settings.threshold() == ModelSettings.ThresholdRule.ABSOLUTE
                  ? "absolute: " + settings.incidenceThresholdPer100k()
                  : "seasonal: the mean + " + settings.seasonal().sd() + " sd of the location's same ISO week in the "
                      + "training years, else its " + settings.seasonal().fallbackQuantile() + " quantile")
              + ")",
          backtest.trainingRange(trainingRows), backtest.evaluationRange(evaluationRows), excluded, metrics,
          Metrics.unavailable(metrics, why), gate, report, tables);
    } catch (RuntimeException | Error e) {
      if (thresholds != null) {
        thresholds.release();
      }
      throw e;
    } finally {
      if (pooled != null) {
        pooled.unpersist();
      }
      folds.forEach(Dataset::unpersist);
      rows.unpersist();
    }
  }

  /**
   * One backtest origin: thresholds and model from the dates before it, its fold scored (cached;
   * the fold's thresholds are released once it is).
   */
  private static Dataset<Row> scoredFold(Dataset<Row> rows, Backtest backtest, int i, List<String> used,
      ModelSettings.Risk settings) {
    TimeSplit fold = backtest.folds().get(i);
    Thresholds.Fitted thresholds = Thresholds.fit(fold.training(rows), settings);
    try {
      Dataset<Row> training = labelled(fold.training(rows), thresholds);
      PipelineModel model = fit(training, FeatureStages.fittable(training, used, Features.IMPUTED), settings);
      Dataset<Row> scored = score(model, labelled(fold.evaluation(rows), thresholds))
          .filter(col(Features.RISK_LABEL).isNotNull())
          .select(col("location_id"), col("date"), col(Features.RISK_LABEL), col(SCORE), col(Thresholds.COLUMN))
          .withColumn(Backtest.ORIGIN, lit(i))
          .persist(StorageLevel.MEMORY_AND_DISK());
      scored.count(); // materialised before the fold's thresholds are released
      return scored;
    } finally {
      thresholds.release();
    }
  }

  /** The folds' scored rows in one cached table; the folds' own caches are freed. */
  static Dataset<Row> pooledOf(List<Dataset<Row>> folds) {
    Dataset<Row> pooled = folds.stream().reduce(Dataset::union).orElseThrow().persist(StorageLevel.MEMORY_AND_DISK());
    pooled.count();
    folds.forEach(Dataset::unpersist);
    return pooled;
  }

  /** Rows with their threshold, the threshold feature and the label. */
  private static Dataset<Row> labelled(Dataset<Row> rows, Thresholds.Fitted thresholds) {
    return Thresholds.label(Thresholds.attach(rows, thresholds));
  }

  /** Fits the pipeline (imputer, assembler, scaler, logistic regression) on the rows with a label. */
  private static PipelineModel fit(Dataset<Row> labelled, List<String> features, ModelSettings.Risk settings) {
    LogisticRegression learner = new LogisticRegression()
        .setLabelCol(Features.RISK_LABEL)
        .setFeaturesCol(FeatureStages.FEATURES)
        .setMaxIter(settings.maxIter())
        .setRegParam(settings.regParam())
        .setElasticNetParam(ELASTIC_NET);
    List<PipelineStage> stages = new ArrayList<>(FeatureStages.of(features, Features.IMPUTED));
    stages.add(learner);
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0]))
        .fit(labelled.filter(col(Features.RISK_LABEL).isNotNull()));
  }

  /** Adds {@link #SCORE} (a double in 0..1) to feature rows, using a fitted risk model. */
  public static Dataset<Row> score(PipelineModel model, Dataset<Row> features) {
    Dataset<Row> scored = model.transform(features);
    return scored.withColumn(SCORE, functions.vector_to_array(col("probability"), "float64").getItem(1))
        .drop("features_unscaled", FeatureStages.FEATURES, "rawPrediction", "probability", "prediction")
        .drop(imputedColumns(scored));
  }

  /** ROC AUC, PR AUC and precision/recall at the HIGH threshold, plus class counts, on scored rows. */
  static Map<String, Double> evaluate(Dataset<Row> scored, double highRisk) {
    Dataset<Row> evaluated = scored.persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Column label = col(Features.RISK_LABEL);
      Column high = col(SCORE).geq(highRisk);
      Row counts = evaluated.agg(count(lit(1)).as("rows"),
          sum(label).as("positives"),
          sum(when(high.and(label.equalTo(1.0)), 1).otherwise(0)).as("tp"),
          sum(when(high, 1).otherwise(0)).as("flagged")).first();
      // a scored row counts once: the label is 0.0 or 1.0
      double rows = counts.getLong(0);
      double positives = counts.isNullAt(1) ? 0 : counts.getDouble(1);
      double truePositives = counts.isNullAt(2) ? 0 : counts.getLong(2);
      double flagged = counts.isNullAt(3) ? 0 : counts.getLong(3);
      Map<String, Double> metrics = new LinkedHashMap<>();
      boolean bothClasses = positives > 0 && positives < rows;
      BinaryClassificationEvaluator evaluator = new BinaryClassificationEvaluator()
          .setLabelCol(Features.RISK_LABEL).setRawPredictionCol(SCORE);
      metrics.put("roc_auc", bothClasses ? evaluator.setMetricName("areaUnderROC").evaluate(evaluated) : Double.NaN);
      metrics.put("pr_auc", bothClasses ? evaluator.setMetricName("areaUnderPR").evaluate(evaluated) : Double.NaN);
      metrics.put("precision_at_high", flagged > 0 ? truePositives / flagged : Double.NaN);
      metrics.put("recall_at_high", positives > 0 ? truePositives / positives : Double.NaN);
      // the alerts it would have raised that were false, among the rows that were not outbreaks
      metrics.put("false_alarm_rate_at_high", rows - positives > 0 ? (flagged - truePositives) / (rows - positives)
          : Double.NaN);
      metrics.put("positive_rate", rows > 0 ? positives / rows : Double.NaN);
      metrics.put("positives", positives);
      metrics.put("negatives", rows - positives);
      metrics.put("rows", rows);
      return metrics;
    } finally {
      evaluated.unpersist();
    }
  }

  /** The features of {@code candidates} that have at least one value among the usable rows. */
  static List<String> presentFeatures(List<String> candidates, Row facts) {
    List<String> present = new ArrayList<>();
    for (String feature : candidates) {
      String name = "present_" + feature;
      if (!java.util.Arrays.asList(facts.schema().fieldNames()).contains(name) || facts.getLong(facts.fieldIndex(name)) > 0) {
        present.add(feature);
      }
    }
    return present;
  }

  /** The candidates that are not among the features used: no value on any usable row (a feed without them). */
  static List<String> leftOut(List<String> candidates, List<String> used) {
    return candidates.stream().filter(c -> !used.contains(c)).toList();
  }

  static String[] imputedColumns(Dataset<Row> scored) {
    return java.util.Arrays.stream(scored.columns()).filter(c -> c.endsWith("_imputed")).toArray(String[]::new);
  }

  static LocalDate date(Row row, String field) {
    return row.<java.sql.Date>getAs(field).toLocalDate();
  }
}
