package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The forecast interval on hand-worked errors. Horizon 1: five forecasts of 24 cases (error unit
 * sqrt(25) = 5) against 14, 19, 24, 29, 34: errors -2, -1, 0, 1, 2 units. Their 0.1 quantile is
 * at position 0.4 of 0..4, -2 + 0.4 = -1.6; the 0.9 quantile 1.6. So a forecast of 24 gets
 * 24 - 8 = 16 to 24 + 8 = 32, and a forecast of 0 (unit 1) gets 0 (clipped) to 1.6.
 */
class IntervalTest {
  private static final StructType SCHEMA = new StructType()
      .add(Features.HORIZON, DataTypes.DoubleType)
      .add(ForecastModel.PREDICTED_CASES, DataTypes.DoubleType)
      .add(Features.TARGET_CASES, DataTypes.DoubleType)
      .add(Backtest.ORIGIN, DataTypes.IntegerType);

  private static SparkSession spark;
  private static Dataset<Row> scored;

  @BeforeAll
  static void rows() {
    spark = TestSpark.session();
    List<Row> rows = new ArrayList<>();
    for (double target : new double[] {14, 19, 24, 29, 34}) {
      rows.add(RowFactory.create(1.0, 24.0, target, 0));
    }
    scored = spark.createDataFrame(rows, SCHEMA);
  }

  @Test
  void theQuantilesOfTheScaledErrorsGiveTheBounds() {
    Interval interval = Interval.fit(scored);
    assertThat(interval.lower()[0]).isCloseTo(-1.6, within(1e-12));
    assertThat(interval.upper()[0]).isCloseTo(1.6, within(1e-12));
    assertThat(interval.lower()[1]).isNull(); // no horizon-2 row
    Row bounds = spark.createDataFrame(List.of(RowFactory.create(1.0, 24.0, 0.0, 0), RowFactory.create(1.0, 0.0, 0.0, 0),
            RowFactory.create(2.0, 24.0, 0.0, 0)), SCHEMA)
        .select(interval.lower(col(ForecastModel.PREDICTED_CASES), col(Features.HORIZON)),
            interval.upper(col(ForecastModel.PREDICTED_CASES), col(Features.HORIZON)))
        .collectAsList().get(0);
    assertThat(bounds.getDouble(0)).isCloseTo(16.0, within(1e-9));
    assertThat(bounds.getDouble(1)).isCloseTo(32.0, within(1e-9));
    List<Row> all = spark.createDataFrame(List.of(RowFactory.create(1.0, 0.0, 0.0, 0),
            RowFactory.create(2.0, 24.0, 0.0, 0)), SCHEMA)
        .select(interval.lower(col(ForecastModel.PREDICTED_CASES), col(Features.HORIZON)),
            interval.upper(col(ForecastModel.PREDICTED_CASES), col(Features.HORIZON))).collectAsList();
    assertThat(all.get(0).getDouble(0)).isZero(); // clipped at 0
    assertThat(all.get(0).getDouble(1)).isCloseTo(1.6, within(1e-9));
    assertThat(all.get(1).isNullAt(0)).isTrue(); // a horizon without errors has no interval
  }

  @Test
  void theIntervalRoundTripsThroughTheMetadataParameters() {
    Interval interval = Interval.fit(scored);
    Interval saved = Interval.fromParameters(Map.of(Interval.PARAMETER, interval.describe()));
    assertThat(saved.lower()).containsExactly(interval.lower());
    assertThat(saved.upper()).containsExactly(interval.upper());
    assertThat(Interval.fromParameters(Map.of("max_iter", 40))).isNull(); // a version trained without one
    assertThat((Double) interval.describe().get("level")).isCloseTo(0.8, within(1e-12));
  }

  @Test
  void coverageIsMeasuredOnEachOriginWithTheIntervalOfTheOriginsBefore() {
    // origin 0: the five rows above; origin 1: forecasts of 24 against 10, 20, 24, 31, 33:
    // inside 16..32 are 20, 24, 31: 3 of 5
    List<Row> rows = new ArrayList<>(scored.collectAsList());
    for (double target : new double[] {10, 20, 24, 31, 33}) {
      rows.add(RowFactory.create(1.0, 24.0, target, 1));
    }
    Interval.Coverage coverage = Interval.backtestCoverage(spark.createDataFrame(rows, SCHEMA), 2,
        Interval.fit(spark.createDataFrame(rows, SCHEMA)));
    assertThat(coverage.value()).isCloseTo(0.6, within(1e-12));
    assertThat(coverage.how()).startsWith("out of sample").contains("5 rows");
    // one origin: measured on the errors it was fitted on (14 and 34 are outside 16..32), and said so
    Interval.Coverage inSample = Interval.backtestCoverage(scored, 1, Interval.fit(scored));
    assertThat(inSample.value()).isCloseTo(0.6, within(1e-12));
    assertThat(inSample.how()).startsWith("in sample");
  }
}
