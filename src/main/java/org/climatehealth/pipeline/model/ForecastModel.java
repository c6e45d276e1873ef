package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.try_divide;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.climatehealth.pipeline.config.ModelSettings;
import org.climatehealth.pipeline.registry.ModelMetadata.Gate;

/**
 * The {@code forecast} model: daily total cases of a location at horizons 1–7 days after the
 * issue date, one row per horizon ({@link Features#forecastRows}). The learner predicts cases per
 * 100k (so locations of any size share one model); a last stage turns that into
 * {@link #PREDICTED_CASES} (never negative), with an 80 % interval ({@link Interval}). Gate: beat
 * the seasonal-naive forecast (the same day last week) on MAE pooled over a rolling-origin
 * {@link Backtest}.
 */
public final class ForecastModel {
  public static final String NAME = "forecast";
  private static final String NOT_COMPARABLE = "the hold-out has no row whose same day last week was reported";
  /** The column the fitted model adds. */
  public static final String PREDICTED_CASES = "predicted_cases";

  static final String LABEL = "target_cases_per_100k";
  static final long SEED = 7;

  private ForecastModel() {}

  /**
   * Backtests, then trains on every labelled issue date: labelled forecast rows; rows without a
   * target or with missing features are counted out. The 80 % interval comes from the backtest's
   * residuals per horizon ({@link Interval}).
   */
  public static TrainedModel train(Dataset<Row> rows, ModelSettings.Forecast settings) {
    Column usable = col(Features.MISSING_REASON).isNull().and(col(Features.TARGET_CASES).isNotNull());
    List<Column> summary = new ArrayList<>(List.of(
        sum(when(col(Features.MISSING_REASON).isNotNull(), 1).otherwise(0)).as("missing_features"),
        sum(when(col(Features.MISSING_REASON).isNull().and(col(Features.TARGET_CASES).isNull()), 1).otherwise(0))
            .as("no_label"),
        min(when(usable, col("date"))).as("first"),
        max(when(usable, col("date"))).as("last")));
    for (String feature : Features.IMPUTED) {
      summary.add(count(when(usable, col(feature))).as("present_" + feature));
    }
    Row facts = rows.agg(count(lit(1)).as("rows"), summary.toArray(new Column[0])).first();
    if (facts.isNullAt(facts.fieldIndex("last"))) {
      throw new TimeSplit.NotEnoughData(NAME + ": no row has both features and a reported target day: "
          + "process more days of data");
    }
    Backtest backtest = Backtest.of(NAME, RiskModel.date(facts, "first"), RiskModel.date(facts, "last"),
        settings.holdoutDays(), settings.origins());
    List<String> features = RiskModel.presentFeatures(Features.FORECAST_FEATURES, facts);

    Dataset<Row> labelled = rows.filter(usable)
        .withColumn(LABEL, try_divide(col(Features.TARGET_CASES).multiply(100_000.0), col("population").cast("double")))
        .persist(StorageLevel.MEMORY_AND_DISK());
    List<Dataset<Row>> folds = new ArrayList<>();
    Dataset<Row> pooled = null;
    try {
      // every origin, and the registered model (every labelled issue date), fitted at the same time
      List<Callable<PipelineModel>> fits = new ArrayList<>();
      for (int i = 0; i < backtest.folds().size(); i++) {
        Dataset<Row> training = backtest.folds().get(i).training(labelled);
        fits.add(() -> fit(training, FeatureStages.fittable(training, features, Features.IMPUTED), settings));
      }
      fits.add(() -> fit(labelled, features, settings));
      List<PipelineModel> models = Concurrently.run(fits);
      for (int i = 0; i < backtest.folds().size(); i++) {
        folds.add(score(models.get(i), backtest.folds().get(i).evaluation(labelled))
            .select(col("location_id"), col("date"), col(Features.HORIZON), col(Features.TARGET_CASES),
                col(PREDICTED_CASES), col(Features.SAME_DAY_LAST_WEEK))
            .withColumn(Backtest.ORIGIN, lit(i))
            .persist(StorageLevel.MEMORY_AND_DISK()));
      }
      PipelineModel model = models.get(backtest.folds().size());
      pooled = RiskModel.pooledOf(folds);
      List<Map<String, Double>> byOrigin = new ArrayList<>();
      for (int i = 0; i < backtest.folds().size(); i++) {
        Map<String, Double> metrics = evaluate(pooled.filter(col(Backtest.ORIGIN).equalTo(i)));
        metrics.put("mae_ratio_to_seasonal_naive", metrics.get("mae") / metrics.get("seasonal_naive_mae"));
        byOrigin.add(metrics);
      }
      Map<String, Double> metrics = evaluate(pooled);
      long evaluationRows = metrics.remove("rows").longValue();
      Interval interval = Interval.fit(pooled);
      Interval.Coverage coverage = Interval.backtestCoverage(pooled, backtest.folds().size(), interval);
      metrics.put("interval_80_coverage", coverage.value());

      long trainingRows = labelled.count();
      double naiveMae = metrics.get("seasonal_naive_mae");
      Gate gate = Gates.below("mae", metrics.get("mae"), naiveMae * settings.maxMaeRatio(),
          settings.maxMaeRatio() == 1.0 ? "the seasonal-naive MAE"
              : settings.maxMaeRatio() + " x the seasonal-naive MAE",
          NOT_COMPARABLE);

      Map<String, Object> parameters = new LinkedHashMap<>();
      parameters.put("horizons_days", List.of(1, 2, 3, 4, 5, 6, 7));
      parameters.put("holdout_days", settings.holdoutDays());
      parameters.put("backtest_origins", backtest.folds().size());
      parameters.put("max_mae_ratio", settings.maxMaeRatio());
      parameters.put("max_iter", settings.maxIter());
      parameters.put("max_depth", settings.maxDepth());
      parameters.put("step_size", settings.stepSize());
      parameters.put("seed", SEED);
      parameters.put("imputed_with_training_mean", Features.IMPUTED.stream().filter(features::contains).toList());
      parameters.put("left_out_no_values", RiskModel.leftOut(Features.FORECAST_FEATURES, features));
      parameters.put(Interval.PARAMETER, interval.describe());
      Map<String, Long> excluded = new LinkedHashMap<>();
      excluded.put("missing_features", facts.getLong(facts.fieldIndex("missing_features")));
      excluded.put("target_day_not_reported", facts.getLong(facts.fieldIndex("no_label")));
      List<Map<String, Object>> origins = backtest.perOrigin(byOrigin);
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("origins", origins);
      report.put("worst_origin", Backtest.worst(origins, "mae_ratio_to_seasonal_naive", false));
      report.put("interval_80_coverage", coverage.how());
      Map<String, String> why = new LinkedHashMap<>(Map.of("mae", NOT_COMPARABLE, "rmse", NOT_COMPARABLE,
          "seasonal_naive_mae", NOT_COMPARABLE, "mae_all_holdout_rows", "the backtest has no rows"));
      why.put("interval_80_coverage", coverage.how());
      return new TrainedModel(NAME, model, "GBTRegressor", parameters, features,
          Features.TARGET_CASES + ": total cases on the target date (issue date + horizon_days)",
          backtest.trainingRange(trainingRows), backtest.evaluationRange(evaluationRows), excluded, metrics,
          Metrics.unavailable(metrics, why), gate, report, Map.of());
    } finally {
      if (pooled != null) {
        pooled.unpersist();
      }
      folds.forEach(Dataset::unpersist);
      labelled.unpersist();
    }
  }

  /** Fits the pipeline (imputer, assembler, scaler, trees, cases from per 100k). */
  private static PipelineModel fit(Dataset<Row> training, List<String> features, ModelSettings.Forecast settings) {
    GBTRegressor learner = new GBTRegressor()
        .setLabelCol(LABEL)
        .setFeaturesCol(FeatureStages.FEATURES)
        .setPredictionCol("predicted_per_100k")
        .setMaxIter(settings.maxIter())
        .setMaxDepth(settings.maxDepth())
        .setStepSize(settings.stepSize())
        .setSeed(SEED);
    List<PipelineStage> stages = new ArrayList<>(FeatureStages.of(features, Features.IMPUTED));
    stages.add(learner);
    stages.add(new SQLTransformer().setStatement("SELECT *, GREATEST(predicted_per_100k, 0D) * "
        + "CAST(population AS DOUBLE) / 100000D AS " + PREDICTED_CASES + " FROM __THIS__"));
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0])).fit(training);
  }

  /** Adds {@link #PREDICTED_CASES} to forecast rows, using a fitted forecast model. */
  public static Dataset<Row> score(PipelineModel model, Dataset<Row> rows) {
    Dataset<Row> scored = model.transform(rows);
    return scored.drop("features_unscaled", FeatureStages.FEATURES, "predicted_per_100k")
        .drop(RiskModel.imputedColumns(scored));
  }

  /**
   * MAE and RMSE of the model, and the seasonal-naive MAE, on the hold-out rows whose same day
   * last week was reported (so both forecasts are judged on the same rows); MAE over all hold-out rows too.
   */
  static Map<String, Double> evaluate(Dataset<Row> scored) {
    Column error = col(PREDICTED_CASES).minus(col(Features.TARGET_CASES));
    Column comparable = col(Features.SAME_DAY_LAST_WEEK).isNotNull();
    Row row = scored.agg(
        count(lit(1)).as("rows"),
        avg(abs(error)).as("mae_all"),
        avg(when(comparable, abs(error))).as("mae"),
        sqrt(avg(when(comparable, pow(error, 2)))).as("rmse"),
        avg(when(comparable, abs(col(Features.SAME_DAY_LAST_WEEK).minus(col(Features.TARGET_CASES)))))
            .as("naive_mae"),
        count(when(comparable, lit(1))).as("comparable")).first();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("mae", value(row, "mae"));
    metrics.put("rmse", value(row, "rmse"));
    metrics.put("seasonal_naive_mae", value(row, "naive_mae"));
    metrics.put("mae_all_holdout_rows", value(row, "mae_all"));
    metrics.put("compared_rows", (double) row.getLong(row.fieldIndex("comparable")));
    metrics.put("rows", (double) row.getLong(row.fieldIndex("rows")));
    return metrics;
  }

  private static double value(Row row, String field) {
    return row.isNullAt(row.fieldIndex(field)) ? Double.NaN : row.getDouble(row.fieldIndex(field));
  }
}
