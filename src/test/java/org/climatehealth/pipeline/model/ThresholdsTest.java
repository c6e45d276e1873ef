package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.config.ModelSettings;
import org.climatehealth.pipeline.config.ModelSettings.ThresholdRule;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Seasonal thresholds on hand-made next-7-day incidences (per 100k).
 *
 * <p>Location A: ISO week 1 of 2022 (2022-01-03..09) has 1..7, ISO week 1 of 2023
 * (2023-01-02..08) has 8..14, week 2 of 2022 (2022-01-10..16) has 20 every day. Week 1 has two
 * years: mean 7.5, sample sd sqrt(227.5 / 13) = sqrt(17.5) = 4.1833, threshold 7.5 + 2 x 4.1833 =
 * 15.8666. Every other week has fewer than 2 years and falls back to A's 0.95 quantile of its 21
 * values (1..14 and seven 20s): position 0.95 x 20 = 19 of 0..20, a 20.
 *
 * <p>Location B: only 2022's week 1, 5 every day: one year, so every week falls back to 5.
 */
class ThresholdsTest {
  private static final ModelSettings.Risk SEASONAL = new ModelSettings.Risk(ThresholdRule.SEASONAL,
      new ModelSettings.Seasonal(2, 2, 0.95), 30, 28, 2, 0.75, 100, 0.001);
  private static final double WEEK_1 = 7.5 + 2 * Math.sqrt(17.5);

  private static SparkSession spark;
  private static Thresholds.Fitted fitted;

  @BeforeAll
  static void fit() {
    spark = TestSpark.session();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      rows.add(RowFactory.create("A", Date.valueOf(LocalDate.of(2022, 1, 3).plusDays(i)), 1.0 + i));
      rows.add(RowFactory.create("A", Date.valueOf(LocalDate.of(2023, 1, 2).plusDays(i)), 8.0 + i));
      rows.add(RowFactory.create("A", Date.valueOf(LocalDate.of(2022, 1, 10).plusDays(i)), 20.0));
      rows.add(RowFactory.create("B", Date.valueOf(LocalDate.of(2022, 1, 3).plusDays(i)), 5.0));
    }
    // a row whose future is unknown does not count
    rows.add(RowFactory.create("A", Date.valueOf(LocalDate.of(2023, 1, 9)), null));
    StructType schema = new StructType().add("location_id", DataTypes.StringType).add("date", DataTypes.DateType)
        .add(Features.FUTURE_INCIDENCE_7D, DataTypes.DoubleType);
    fitted = Thresholds.fit(spark.createDataFrame(rows, schema), SEASONAL);
  }

  @AfterAll
  static void release() {
    fitted.release();
  }

  private static Map<String, Row> table() {
    Map<String, Row> byKey = new HashMap<>();
    for (Row row : fitted.table().collectAsList()) {
      byKey.put(row.getString(0) + " " + row.getInt(1), row);
    }
    return byKey;
  }

  @Test
  void aWeekWithEnoughYearsGetsItsMeanPlusTwoSdAndTheRestTheLocationsQuantile() {
    Map<String, Row> table = table();
    assertThat(table).hasSize(2 * 53);
    assertThat(table.get("A 1").getDouble(2)).isCloseTo(WEEK_1, within(1e-9));
    assertThat(table.get("A 1").getString(3)).isEqualTo(Thresholds.SEASONAL);
    assertThat(table.get("A 2").getDouble(2)).isEqualTo(20.0);
    assertThat(table.get("A 2").getString(3)).isEqualTo(Thresholds.FALLBACK);
    assertThat(table.get("A 30").getDouble(2)).isEqualTo(20.0);
    assertThat(table.get("A 53").getDouble(2)).isEqualTo(20.0);
    assertThat(table.get("B 1").getDouble(2)).isEqualTo(5.0);
    assertThat(table.get("B 1").getString(3)).isEqualTo(Thresholds.FALLBACK);
  }

  @Test
  void theSummarySaysHowManyFellBack() {
    Map<String, Object> summary = fitted.summary();
    assertThat(summary).containsEntry("rule", "seasonal").containsEntry("locations", 2L)
        .containsEntry("locations_all_weeks_fallback", 1L) // B
        .containsEntry("locations_some_weeks_fallback", 1L) // A: 52 of 53 weeks
        .containsEntry("location_weeks_fallback", 105L)
        .containsEntry("threshold_per_100k_min", 5.0)
        .containsEntry("threshold_per_100k_max", 20.0);
    // 106 thresholds: 53 fives, A's week 1, 52 twenties; the median is halfway between the 53rd and 54th
    assertThat((Double) summary.get("threshold_per_100k_median")).isCloseTo((5 + WEEK_1) / 2, within(1e-9));
  }

  @Test
  void rowsGetTheirWeeksThresholdAndAnUnseenLocationTheAbsoluteOne() {
    StructType schema = new StructType().add("location_id", DataTypes.StringType).add("date", DataTypes.DateType)
        .add(Features.INCIDENCE_7D, DataTypes.DoubleType).add(Features.FUTURE_INCIDENCE_7D, DataTypes.DoubleType);
    List<Row> rows = List.of(
        RowFactory.create("A", Date.valueOf("2024-01-03"), 3.0, 16.0), // ISO week 1
        RowFactory.create("A", Date.valueOf("2024-01-04"), 3.0, 15.0),
        RowFactory.create("A", Date.valueOf("2024-06-01"), 19.0, null), // week 22
        RowFactory.create("C", Date.valueOf("2024-01-03"), 29.0, 31.0));
    Map<String, Row> labelled = new HashMap<>();
    for (Row row : Thresholds.label(Thresholds.attach(spark.createDataFrame(rows, schema), fitted)).collectAsList()) {
      labelled.put(row.getAs("location_id") + " " + row.getAs("date"), row);
    }
    Row week1 = labelled.get("A 2024-01-03");
    assertThat(week1.<Double>getAs(Thresholds.COLUMN)).isCloseTo(WEEK_1, within(1e-9));
    assertThat(week1.<Double>getAs(Thresholds.VS_THRESHOLD)).isCloseTo(Math.log1p(3) - Math.log1p(WEEK_1), within(1e-9));
    assertThat(week1.<Double>getAs(Features.RISK_LABEL)).isEqualTo(1.0); // 16 > 15.87
    assertThat(labelled.get("A 2024-01-04").<Double>getAs(Features.RISK_LABEL)).isEqualTo(0.0); // 15 is not
    assertThat(labelled.get("A 2024-06-01").<Double>getAs(Thresholds.COLUMN)).isEqualTo(20.0);
    assertThat(labelled.get("A 2024-06-01").<Double>getAs(Features.RISK_LABEL)).isNull();
    assertThat(labelled.get("C 2024-01-03").<Double>getAs(Thresholds.COLUMN)).isEqualTo(30.0);
    assertThat(labelled.get("C 2024-01-03").<Double>getAs(Features.RISK_LABEL)).isEqualTo(1.0);
  }

  @Test
  void theAbsoluteRuleIsOneFigureWithoutATable() {
    ModelSettings.Risk absolute = new ModelSettings.Risk(ThresholdRule.ABSOLUTE, SEASONAL.seasonal(), 30, 28, 2, 0.75,
        100, 0.001);
    Thresholds.Fitted fixed = Thresholds.fit(spark.emptyDataFrame(), absolute);
    assertThat(fixed.table()).isNull();
    assertThat(fixed.summary()).containsEntry("rule", "absolute").containsEntry("threshold_per_100k", 30.0);
  }

  @Test
  void theIsoWeekYearIsTheYearOfTheWeeksThursday() {
    Dataset<Row> dates = spark.sql("select explode(array(date'2024-12-30', date'2021-01-03', date'2023-01-02',"
        + " date'2020-12-31')) as d");
    List<Integer> years = dates.select(Thresholds.isoWeekYear(col("d"))).as(org.apache.spark.sql.Encoders.INT())
        .collectAsList();
    // Monday of 2025's week 1; Sunday of 2020's week 53; Monday of 2023's week 1; Thursday of 2020's week 53
    assertThat(years).containsExactly(2025, 2020, 2023, 2020);
  }

  /**
   * No look-ahead: the thresholds of a backtest origin come from the dates before it. Multiplying
   * every case from the origin on by 50 leaves them as they were; multiplying from the day after
   * the training's last date (inside its labels' 7 days) changes them, so the check can fail.
   */
  @Test
  void anOriginsThresholdsIgnoreEverythingFromTheOriginOn() {
    Dataset<Row> daily = spark.range(2 * 3 * 364)
        .withColumn("location_id", expr("if(id % 2 = 0, 'P', 'Q')"))
        .withColumn("date", expr("date_add(date'2021-01-04', cast(id div 2 as int))"))
        .withColumn("population", lit(100_000L))
        .withColumn("cases_total", expr("cast(pmod(id * 7919, 23) + 10 * pmod(weekofyear(date), 5) as long)"))
        .withColumn("hospitalizations_total", lit(1L))
        .withColumn("temperature_max_c", lit(30.0))
        .withColumn("rainfall_mm", lit(1.0))
        .withColumn("air_quality_index", lit(50.0))
        .drop("id");
    Backtest backtest = Backtest.of("risk", LocalDate.of(2021, 1, 4), LocalDate.of(2023, 12, 24), 56, 2);
    TimeSplit origin = backtest.folds().get(1);
    Dataset<Row> before = thresholds(daily, origin);
    assertThat(before.filter(col(Thresholds.RULE).equalTo(Thresholds.SEASONAL)).count()).isGreaterThan(50);
    Dataset<Row> fromOrigin = thresholds(times50(daily, origin.evalFrom()), origin);
    assertThat(before.exceptAll(fromOrigin).count()).isZero();
    assertThat(fromOrigin.exceptAll(before).count()).isZero();
    Dataset<Row> insideLabels = thresholds(times50(daily, origin.trainTo().plusDays(1)), origin);
    assertThat(before.exceptAll(insideLabels).count()).isPositive();
  }

  private static Dataset<Row> times50(Dataset<Row> daily, LocalDate from) {
    return daily.withColumn("cases_total", when(col("date").geq(lit(Date.valueOf(from))),
        col("cases_total").multiply(50)).otherwise(col("cases_total")));
  }

  private static Dataset<Row> thresholds(Dataset<Row> daily, TimeSplit origin) {
    Dataset<Row> rows = Features.withFutureIncidence(Features.asOf(daily));
    return Thresholds.fit(origin.training(rows), SEASONAL).table();
  }
}
