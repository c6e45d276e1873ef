package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.config.ModelSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The risk model's gate separates signal from noise: 20 locations x 200 days of features where
 * the label is, or is not, a function of the recent incidence.
 */
class RiskModelTest {
  private static final ModelSettings.Seasonal SEASONAL = new ModelSettings.Seasonal(2, 2, 0.95);
  /** Absolute threshold 35, a 40-day backtest from one origin. */
  private static final ModelSettings.Risk SETTINGS = settings(40, 1);
  private static Dataset<Row> features;

  @BeforeAll
  static void features() {
    Dataset<Row> rows = TestSpark.session().range(20 * 200)
        .withColumn("location_id", expr("concat('L', cast(id % 20 as string))"))
        .withColumn("date", expr("date_add(date'2023-01-01', cast(id div 20 as int))"))
        .withColumn(Features.MISSING_REASON, lit(null).cast("string"));
    for (String feature : Features.RISK_FEATURES) {
      rows = rows.withColumn(feature, expr("rand(" + feature.hashCode() + ") * 10"));
    }
    features = rows.withColumn(Features.INCIDENCE_7D, expr("rand(7) * 60")).cache();
  }

  private static ModelSettings.Risk settings(int holdoutDays, int origins) {
    // 30 iterations: plenty for 20 features on this data, and a third of the default's Spark jobs
    return new ModelSettings.Risk(ModelSettings.ThresholdRule.ABSOLUTE, SEASONAL, 35, holdoutDays, origins, 0.75, 30,
        0.001);
  }

  /** The rows with the next 7 days' incidence: the label is whether it is above 35. */
  private static Dataset<Row> labelled(Column futureIncidence) {
    return features.withColumn(Features.FUTURE_INCIDENCE_7D, futureIncidence);
  }

  @Test
  void aLabelThatFollowsTheIncidencePassesTheGate() {
    TrainedModel model = RiskModel.train(labelled(expr("incidence_7d_per_100k + rand(3) * 10")), SETTINGS, 0.6);
    assertThat(model.metrics().get("roc_auc")).isGreaterThan(0.9);
    assertThat(model.gate().passed()).isTrue();
    assertThat(model.evaluation().rows()).isEqualTo(20 * 40);
    assertThat(model.evaluation().from()).isEqualTo("2023-06-10"); // day 160 of 0..199
    // the registered model learns from every labelled date
    assertThat(model.training().to()).isEqualTo("2023-07-19");
    assertThat(model.training().rows()).isEqualTo(20 * 200);
    model.release();
  }

  @Test
  void theBacktestReportsEachOriginTheWorstAndAlertsByLocation() {
    TrainedModel model = RiskModel.train(labelled(expr("incidence_7d_per_100k + rand(3) * 10")), settings(40, 2), 0.6);
    @SuppressWarnings("unchecked")
    java.util.List<Map<String, Object>> origins = (java.util.List<Map<String, Object>>) model.backtest().get("origins");
    // 40 days in two folds of 20: each trained up to 8 days before its origin
    assertThat(origins).extracting(o -> o.get("origin")).containsExactly("2023-06-10", "2023-06-30");
    assertThat(origins).extracting(o -> o.get("trained_to")).containsExactly("2023-06-02", "2023-06-22");
    assertThat(origins).extracting(o -> o.get("evaluated_to")).containsExactly("2023-06-29", "2023-07-19");
    // 20 locations x 20 days each, both classes in each
    assertThat(origins).extracting(o -> o.get("rows")).containsExactly(400.0, 400.0);
    assertThat(origins).extracting(o -> (Double) o.get("positives")).allMatch(p -> p > 0 && p < 400);
    double worst = (Double) ((Map<?, ?>) model.backtest().get("worst_origin")).get("roc_auc");
    assertThat(worst).isEqualTo(Math.min((Double) origins.get(0).get("roc_auc"), (Double) origins.get(1).get("roc_auc")));
    Map<?, ?> byLocation = (Map<?, ?>) model.backtest().get("alerts_by_location");
    assertThat(byLocation.get("locations")).isEqualTo(20L);
    Dataset<Row> table = model.tables().get(AlertPerformance.TABLE);
    assertThat(table.count()).isEqualTo(20);
    // 40 backtest days per location
    assertThat(table.filter("days <> 40").count()).isZero();
    assertThat(model.tables()).doesNotContainKey(Thresholds.TABLE); // the absolute rule has no table
    model.release();
  }

  @Test
  void shuffledLabelsMissTheGateSayingByHowMuch() {
    // the same label, shuffled: drawn independently of every feature
    TrainedModel model = RiskModel.train(labelled(expr("if(rand(11) < 0.25, 100.0, 0.0)")), SETTINGS, 0.6);
    double auc = model.metrics().get("roc_auc");
    assertThat(auc).isBetween(0.35, 0.65);
    assertThat(model.gate().passed()).isFalse();
    assertThat(model.gate().message()).isEqualTo(String.format(java.util.Locale.ROOT,
        "roc_auc %.4f is %.4f below the gate's minimum 0.7500", auc, 0.75 - auc));
  }

  @Test
  void aHoldOutWithOneClassFailsTheGateWithTheReason() {
    TrainedModel model = RiskModel.train(
        labelled(expr("if(date < date'2023-05-01' and rand(5) < 0.5, 100.0, 0.0)")), SETTINGS, 0.6);
    assertThat(model.gate().passed()).isFalse();
    assertThat(model.gate().message()).contains("has only one class").contains("incidence-threshold-per-100k");
    // 20 locations x 40 hold-out days, none positive: the metrics that need both classes say why
    String oneClass = "the backtest 2023-06-10..2023-07-19 has only one class (0 positive rows of 800)";
    assertThat(model.metrics().get("roc_auc")).isNaN();
    assertThat(model.metricsUnavailable()).containsEntry("roc_auc", oneClass).containsEntry("pr_auc", oneClass)
        .containsEntry("recall_at_high", "the backtest has no positive rows")
        .doesNotContainKeys("positive_rate", "positives", "negatives");
    assertThat(model.metrics().get("positive_rate")).isZero();
  }

  @Test
  void aFeatureWithNoValueAtAllIsLeftOutAndListedAsSuch() {
    // a climate feed without temperatures: the temperature features are null on every row
    Dataset<Row> noTemperature = labelled(expr("incidence_7d_per_100k + rand(3) * 10"))
        .withColumn("temperature_max_c", lit(null).cast("double"))
        .withColumn(Features.HEAT_DAYS_7D, lit(null).cast("long"));
    TrainedModel model = RiskModel.train(noTemperature, SETTINGS, 0.6);
    assertThat(model.features()).doesNotContain("temperature_max_c", Features.HEAT_DAYS_7D)
        .contains("humidity_pct", Features.INCIDENCE_7D);
    assertThat(model.parameters().get("left_out_no_values"))
        .isEqualTo(java.util.List.of("temperature_max_c", Features.HEAT_DAYS_7D));
    @SuppressWarnings("unchecked")
    java.util.List<String> imputed = (java.util.List<String>) model.parameters().get("imputed_with_training_mean");
    assertThat(imputed).doesNotContain("temperature_max_c", Features.HEAT_DAYS_7D).contains("humidity_pct");
  }

  @Test
  void aFeedThatStartsAfterAnOriginIsLeftOutOfThatOriginsModelOnly() {
    // bed occupancy from 2023-06-10 only: the first origin trains up to 2023-06-02 without a value
    // (its imputer would have no mean), the second up to 2023-06-22 and the registered model with some
    Dataset<Row> lateFeed = labelled(expr("incidence_7d_per_100k + rand(3) * 10"))
        .withColumn("bed_occupancy_rate", expr("if(date < date'2023-06-10', null, bed_occupancy_rate)"));
    TrainedModel model = RiskModel.train(lateFeed, settings(40, 2), 0.6);
    assertThat(model.features()).contains("bed_occupancy_rate");
    assertThat(model.metrics().get("roc_auc")).isGreaterThan(0.9);
    model.release();
  }

  @Test
  void tooLittleHistoryForTheHoldOutIsAUsageError() {
    ModelSettings.Risk long_ = settings(120, 4);
    assertThatThrownBy(() -> RiskModel.train(labelled(lit(1.0)), long_, 0.6))
        .isInstanceOf(TimeSplit.NotEnoughData.class)
        .hasMessageContaining("too few for a 120-day hold-out")
        .hasMessageContaining("pipeline.models.risk.holdout-days");
  }

  @Test
  void rowsWithoutLabelsOrFeaturesAreCountedOut() {
    Dataset<Row> rows = labelled(expr("if(id % 10 = 0, null, incidence_7d_per_100k)"))
        .withColumn(Features.MISSING_REASON, expr("if(id % 10 = 1, 'no case report', null)"));
    TrainedModel model = RiskModel.train(rows, SETTINGS, 0.6);
    assertThat(model.rowsExcluded()).containsEntry("missing_features", 400L)
        .containsEntry("label_unknown_next_7_days_not_all_reported", 400L);
    // the registered model: every usable row; the backtest: the usable rows of its 40 days
    assertThat(model.training().rows()).isEqualTo(4000 - 800);
    assertThat(model.evaluation().rows()).isEqualTo(800 - 160);
  }
}
