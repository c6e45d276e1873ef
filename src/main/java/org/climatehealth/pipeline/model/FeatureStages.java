package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The feature stages at the head of the risk and forecast pipelines: gaps in the imputable
 * features are filled with their training means, the features are assembled into one vector and
 * standardised. Being stages of the fitted model, the same means and scales apply when it scores.
 */
final class FeatureStages {
  static final String FEATURES = "features";
  private static final String RAW_FEATURES = "features_unscaled";
  private static final String IMPUTED_SUFFIX = "_imputed";

  private FeatureStages() {}

  /**
   * The features of {@code features} that {@code training} can fit: an imputed feature without a
   * single value there (a feed that started later, say, in an early backtest origin) is left out,
   * since the imputer has no mean to fill it with. One small aggregate.
   */
  static List<String> fittable(Dataset<Row> training, List<String> features, List<String> imputable) {
    List<String> imputed = features.stream().filter(imputable::contains).toList();
    if (imputed.isEmpty()) {
      return features;
    }
    Column[] counts = imputed.stream().map(f -> count(col(f)).as(f)).toArray(Column[]::new);
    Row row = training.agg(counts[0], java.util.Arrays.copyOfRange(counts, 1, counts.length)).first();
    return features.stream().filter(f -> !imputed.contains(f) || row.getLong(row.fieldIndex(f)) > 0).toList();
  }

  /** Imputer (for the features in {@code imputable}), assembler and scaler over {@code features}. */
  static List<PipelineStage> of(List<String> features, List<String> imputable) {
    List<String> toImpute = features.stream().filter(imputable::contains).toList();
    List<String> assembled = new ArrayList<>();
    for (String feature : features) {
      assembled.add(toImpute.contains(feature) ? feature + IMPUTED_SUFFIX : feature);
    }
    List<PipelineStage> stages = new ArrayList<>();
    if (!toImpute.isEmpty()) {
      stages.add(new Imputer().setStrategy("mean")
          .setInputCols(toImpute.toArray(new String[0]))
          .setOutputCols(toImpute.stream().map(f -> f + IMPUTED_SUFFIX).toArray(String[]::new)));
    }
    stages.add(new VectorAssembler().setInputCols(assembled.toArray(new String[0])).setOutputCol(RAW_FEATURES)
        .setHandleInvalid("error"));
    stages.add(new StandardScaler().setInputCol(RAW_FEATURES).setOutputCol(FEATURES).setWithMean(true).setWithStd(true));
    return stages;
  }
}
