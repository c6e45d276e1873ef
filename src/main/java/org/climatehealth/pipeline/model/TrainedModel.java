package org.climatehealth.pipeline.model;

import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.registry.ModelMetadata.DataRange;
import org.climatehealth.pipeline.registry.ModelMetadata.Gate;

/**
 * A fitted and evaluated model, before it is registered: the fitted pipeline (feature stages,
 * scaler and learner) and the facts that go into its metadata.
 *
 * @param name the registry name: risk, forecast, abalone
 * @param model the fitted Spark ML pipeline
 * @param algorithm the learner's class name, e.g. {@code GBTRegressor}
 * @param parameters the settings it was trained with
 * @param features the feature columns, in assembly order
 * @param label the label and what it means
 * @param training the training data
 * @param evaluation the hold-out data
 * @param rowsExcluded rows left out, by reason
 * @param metrics hold-out metrics by name (NaN where one could not be computed)
 * @param metricsUnavailable why, for each metric that could not be computed ({@link Metrics#unavailable})
 * @param gate the quality gate's outcome
 * @param backtest the backtest's report: metrics per origin, the worst origin... (null without one)
 * @param tables cached tables saved with the version, by folder name (e.g. the risk model's
 *     thresholds); {@link #release} frees them once saved
 */
public record TrainedModel(String name, PipelineModel model, String algorithm, Map<String, Object> parameters,
    List<String> features, String label, DataRange training, DataRange evaluation, Map<String, Long> rowsExcluded,
    Map<String, Double> metrics, Map<String, String> metricsUnavailable, Gate gate, Map<String, Object> backtest,
    Map<String, Dataset<Row>> tables) {

  /** Frees the cached tables. */
  public void release() {
    tables.values().forEach(Dataset::unpersist);
  }
}
