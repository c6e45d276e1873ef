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
 * configured threshold, from features known on the scoring date ({@link Features#asOf}).
 * Pipeline: imputer, assembler, scaler, logistic regression. Gate: ROC AUC on a time-based hold-out.
 */
public final class RiskModel {
  public static final String NAME = "risk";
  /** The column the fitted model adds: the probability of the positive class. */
  public static final String SCORE = "risk_score";

  static final double ELASTIC_NET = 0.0;

  private RiskModel() {}

  /**
   * Trains and evaluates on features with labels ({@link Features#withRiskLabel}); rows whose
   * label is unknown or whose features are missing are left out and counted.
   */
  public static TrainedModel train(Dataset<Row> labelledRows, ModelSettings.Risk settings, double highRisk) {
    Dataset<Row> labelled = labelledRows.withColumn(Features.RISK_LABEL, col(Features.RISK_LABEL).cast("double"));
    Column usable = col(Features.MISSING_REASON).isNull().and(col(Features.RISK_LABEL).isNotNull());
    List<Column> summary = new ArrayList<>(List.of(
        count(lit(1)).as("rows"),
        sum(when(col(Features.MISSING_REASON).isNotNull(), 1).otherwise(0)).as("missing_features"),
        sum(when(col(Features.MISSING_REASON).isNull().and(col(Features.RISK_LABEL).isNull()), 1).otherwise(0))
            .as("no_label"),
        min(when(usable, col("date"))).as("first"),
        max(when(usable, col("date"))).as("last")));
    for (String feature : Features.IMPUTED) {
      summary.add(count(when(usable, col(feature))).as("present_" + feature));
    }
    Row facts = labelled.agg(summary.get(0), summary.subList(1, summary.size()).toArray(new Column[0])).first();
    if (facts.isNullAt(facts.fieldIndex("last"))) {
      throw new TimeSplit.NotEnoughData(NAME + ": no row has both features and a known label (the next 7 days "
          + "reported): process more days of data");
    }
    TimeSplit split = TimeSplit.of(NAME, facts.<java.sql.Date>getAs("first").toLocalDate(),
        facts.<java.sql.Date>getAs("last").toLocalDate(), settings.holdoutDays());
    List<String> features = presentFeatures(Features.RISK_FEATURES, facts);

    Dataset<Row> rows = labelled.filter(usable).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      Dataset<Row> training = split.training(rows);
      Dataset<Row> evaluation = split.evaluation(rows);
      LogisticRegression learner = new LogisticRegression()
          .setLabelCol(Features.RISK_LABEL)
          .setFeaturesCol(FeatureStages.FEATURES)
          .setMaxIter(settings.maxIter())
          .setRegParam(settings.regParam())
          .setElasticNetParam(ELASTIC_NET);
      List<PipelineStage> stages = new ArrayList<>(FeatureStages.of(features, Features.IMPUTED));
      stages.add(learner);
      PipelineModel model = new Pipeline().setStages(stages.toArray(new PipelineStage[0])).fit(training);

      Dataset<Row> scored = score(model, evaluation);
      Map<String, Double> metrics = evaluate(scored, highRisk);
      long trainingRows = training.count();
      long evaluationRows = metrics.remove("rows").longValue();
      Gate gate = Gates.atLeast("roc_auc", metrics.get("roc_auc"), settings.minRocAuc(),
          metrics.get("positives") == 0 || metrics.get("negatives") == 0
              ? "the hold-out " + split.evalFrom() + ".." + split.evalTo() + " has only one class ("
                  + metrics.get("positives").longValue() + " positive rows): lower "
                  + "pipeline.models.risk.incidence-threshold-per-100k or widen the hold-out"
              : "no rows to evaluate");

      Map<String, Object> parameters = new LinkedHashMap<>();
      parameters.put("incidence_threshold_per_100k", settings.incidenceThresholdPer100k());
      parameters.put("holdout_days", settings.holdoutDays());
      parameters.put("max_iter", settings.maxIter());
      parameters.put("reg_param", settings.regParam());
      parameters.put("elastic_net_param", ELASTIC_NET);
      parameters.put("high_risk_threshold", highRisk);
      parameters.put("imputed_with_training_mean", Features.IMPUTED.stream().filter(features::contains).toList());
      parameters.put("left_out_no_values", leftOut(Features.RISK_FEATURES, features));
      Map<String, Long> excluded = new LinkedHashMap<>();
      excluded.put("missing_features", facts.getLong(facts.fieldIndex("missing_features")));
      excluded.put("label_unknown_next_7_days_not_all_reported", facts.getLong(facts.fieldIndex("no_label")));
      excluded.put("in_gap_between_training_and_hold_out",
          rows.count() - trainingRows - evaluationRows);
      String oneClass = "the hold-out has only one class (" + metrics.get("positives").longValue() + " positive rows of "
          + evaluationRows + ")";
      Map<String, String> why = Map.of("roc_auc", oneClass, "pr_auc", oneClass,
          "precision_at_high", "no hold-out row scored at or above the HIGH threshold " + highRisk,
          "recall_at_high", "the hold-out has no positive rows",
          "positive_rate", "the hold-out has no rows");
      return new TrainedModel(NAME, model, "LogisticRegression", parameters, features,
          Features.RISK_LABEL + ": 1 when the next 7 days' cases per 100k exceed "
              + settings.incidenceThresholdPer100k(),
          split.trainingRange(trainingRows), split.evaluationRange(evaluationRows), excluded, metrics,
          Metrics.unavailable(metrics, why), gate);
    } finally {
      rows.unpersist();
    }
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
