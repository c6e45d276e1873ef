package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
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
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Features and labels on a hand-made daily table.
 *
 * <p>Location A (population 200,000) reports on 2024-01-01..20 except the 10th (no row at all);
 * its cases on day {@code d} are {@code d}, hospitalisations 1 a day. Location B (population
 * 50,000) has climate rows only (no case reports) on the 1st..3rd.
 *
 * <p>On the 14th, A's last 7 calendar days are the 8th..14th without the 10th: cases
 * 8+9+11+12+13+14 = 67 over 6 reported days (mean 11.1667); the week before (1st..7th): 28 over 7
 * days (mean 4); the last 28 days: 1..14 without 10 = 95 over 13 days, hospitalisations 13.
 */
class FeaturesTest {
  private static final StructType SCHEMA = new StructType()
      .add("location_id", DataTypes.StringType)
      .add("date", DataTypes.DateType)
      .add("population", DataTypes.LongType)
      .add("cases_total", DataTypes.LongType)
      .add("hospitalizations_total", DataTypes.LongType)
      .add("temperature_max_c", DataTypes.DoubleType)
      .add("rainfall_mm", DataTypes.DoubleType)
      .add("air_quality_index", DataTypes.DoubleType);

  private static SparkSession spark;
  private static Dataset<Row> daily;
  private static Map<String, Row> features;

  @BeforeAll
  static void build() {
    spark = TestSpark.session();
    daily = spark.createDataFrame(rows(), SCHEMA);
    features = byKey(Features.asOf(daily));
  }

  private static List<Row> rows() {
    List<Row> rows = new ArrayList<>();
    for (int d = 1; d <= 20; d++) {
      if (d != 10) {
        rows.add(RowFactory.create("A", date(d), 200_000L, (long) d, 1L, d == 14 ? 42.0 : 30.0, 2.0, 100.0));
      }
    }
    for (int d = 1; d <= 3; d++) {
      rows.add(RowFactory.create("B", date(d), 50_000L, null, null, 35.0, 1.0, null));
    }
    return rows;
  }

  private static Date date(int dayOfJanuary) {
    return Date.valueOf(LocalDate.of(2024, 1, dayOfJanuary));
  }

  private static Map<String, Row> byKey(Dataset<Row> rows) {
    Map<String, Row> map = new HashMap<>();
    for (Row row : rows.collectAsList()) {
      String key = row.getAs("location_id") + " " + row.getAs("date")
          + (hasField(row, Features.HORIZON) ? " h" + (int) (double) row.<Double>getAs(Features.HORIZON) : "");
      map.put(key, row);
    }
    return map;
  }

  private static boolean hasField(Row row, String name) {
    return List.of(row.schema().fieldNames()).contains(name);
  }

  @Test
  void windowsAreCalendarDaysEndingOnTheDate() {
    Row row = features.get("A 2024-01-14");
    assertThat(row.<Long>getAs(Features.CASES_7D)).isEqualTo(67L);
    assertThat(row.<Long>getAs(Features.HEALTH_DAYS_7D)).isEqualTo(6L);
    assertThat(row.<Long>getAs(Features.CASES_PREV_7D)).isEqualTo(28L);
    assertThat(row.<Long>getAs(Features.CASES_28D)).isEqualTo(95L);
    assertThat(row.<Long>getAs(Features.HEALTH_DAYS_28D)).isEqualTo(13L);
    // the mean per reported day, times 7, per 100k: 67/6 * 7 / 2 = 39.0833; 95/13 * 7 / 2 = 25.5769
    assertThat(row.<Double>getAs(Features.INCIDENCE_7D)).isCloseTo(39.0833, within(1e-4));
    assertThat(row.<Double>getAs(Features.INCIDENCE_28D)).isCloseTo(25.5769, within(1e-4));
    // ln(1 + 11.1667) - ln(1 + 4) = ln(2.43333)
    assertThat(row.<Double>getAs(Features.CASES_TREND)).isCloseTo(0.889260, within(1e-5));
    assertThat(row.<Double>getAs(Features.HOSPITALISATION_SHARE)).isCloseTo(13.0 / 95, within(1e-9));
    assertThat(row.<Double>getAs(Features.RAINFALL_28D)).isEqualTo(26.0); // 13 days x 2 mm
    assertThat(row.<Long>getAs(Features.HEAT_DAYS_7D)).isEqualTo(1L); // 42 °C on the 14th only
    assertThat(row.<Double>getAs(Features.LOG_POPULATION)).isCloseTo(Math.log(200_000), within(1e-9));
    assertThat(row.<String>getAs(Features.MISSING_REASON)).isNull();
  }

  @Test
  void aClimateFeedWithoutTemperatureLeavesHeatDaysMissingNotZero() {
    // C reports cases but no climate at all; D has temperatures, none over 40 °C
    List<Row> rows = new ArrayList<>();
    for (int d = 1; d <= 3; d++) {
      rows.add(RowFactory.create("C", date(d), 100_000L, 5L, 0L, null, null, null));
      rows.add(RowFactory.create("D", date(d), 100_000L, 5L, 0L, 30.0, 0.0, 50.0));
    }
    Map<String, Row> byKey = byKey(Features.asOf(spark.createDataFrame(rows, SCHEMA)));

    Row unknown = byKey.get("C 2024-01-03");
    assertThat(unknown.<Long>getAs(Features.HEAT_DAYS_7D)).isNull();
    assertThat(unknown.<Double>getAs(Features.RAINFALL_28D)).isNull();
    assertThat(unknown.<Double>getAs(Features.AQI_7D_MEAN)).isNull();
    assertThat(unknown.<String>getAs(Features.MISSING_REASON)).isNull(); // climate gaps are imputed, not fatal
    Row known = byKey.get("D 2024-01-03");
    assertThat(known.<Long>getAs(Features.HEAT_DAYS_7D)).isZero();
    assertThat(known.<Double>getAs(Features.RAINFALL_28D)).isZero();
  }

  @Test
  void aFullWeekAndTheStartOfTheData() {
    Row seventeenth = features.get("A 2024-01-17");
    assertThat(seventeenth.<Long>getAs(Features.CASES_7D)).isEqualTo(11L + 12 + 13 + 14 + 15 + 16 + 17);
    assertThat(seventeenth.<Long>getAs(Features.HEALTH_DAYS_7D)).isEqualTo(7L);
    Row first = features.get("A 2024-01-01");
    assertThat(first.<Long>getAs(Features.CASES_7D)).isEqualTo(1L);
    assertThat(first.<Long>getAs(Features.CASES_PREV_7D)).isNull();
    assertThat(first.<Double>getAs(Features.CASES_TREND)).isEqualTo(0.0); // no week before to compare with
  }

  @Test
  void rowsWithoutRecentCaseReportsCannotBeScoredAndSayWhy() {
    assertThat(features.get("B 2024-01-02").<String>getAs(Features.MISSING_REASON))
        .isEqualTo("no case report in the 7 days up to the date");
    assertThat(features.get("B 2024-01-02").<Double>getAs(Features.INCIDENCE_7D)).isNull();
  }

  @Test
  void changingDataAfterADateDoesNotChangeItsFeatures() {
    LocalDate cut = LocalDate.of(2024, 1, 14);
    Dataset<Row> changed = daily
        .withColumn("cases_total", when(col("date").gt(lit(Date.valueOf(cut))), lit(10_000L))
            .otherwise(col("cases_total")))
        .filter(col("date").notEqual(lit(date(18))));
    Dataset<Row> before = Features.asOf(daily).filter(col("date").leq(lit(Date.valueOf(cut)))).drop(Features.RECENT_CASES);
    Dataset<Row> after = Features.asOf(changed).filter(col("date").leq(lit(Date.valueOf(cut)))).drop(Features.RECENT_CASES);
    assertThat(before.count()).isEqualTo(16); // A: 1..14 without 10 (13), B: 3
    assertThat(before.exceptAll(after).count()).isZero();
    assertThat(after.exceptAll(before).count()).isZero();
  }

  /** Rows labelled against an absolute threshold. */
  private static Dataset<Row> labelled(double threshold) {
    return Thresholds.label(Thresholds.attach(Features.withFutureIncidence(Features.asOf(daily)), null, threshold));
  }

  @Test
  void riskLabelIsTheNextSevenDaysIncidenceAgainstTheThreshold() {
    Map<String, Row> at50 = byKey(labelled(50.0));
    // 11th: 12..18 = 105 cases = 52.5 per 100k > 50
    assertThat(at50.get("A 2024-01-11").<Long>getAs(Features.FUTURE_CASES_7D)).isEqualTo(105L);
    assertThat(at50.get("A 2024-01-11").<Double>getAs(Features.RISK_LABEL)).isEqualTo(1.0);
    // 9th: the next 7 days include the unreported 10th: unknown
    assertThat(at50.get("A 2024-01-09").<Long>getAs(Features.FUTURE_CASES_7D)).isNull();
    assertThat(at50.get("A 2024-01-09").<Double>getAs(Features.RISK_LABEL)).isNull();
    // 14th: the 21st is past the data: unknown
    assertThat(at50.get("A 2024-01-14").<Double>getAs(Features.RISK_LABEL)).isNull();
    Map<String, Row> at60 = byKey(labelled(60.0));
    assertThat(at60.get("A 2024-01-11").<Double>getAs(Features.RISK_LABEL)).isEqualTo(0.0);
    // 13th: 14..20 = 119 = 59.5 per 100k, not above 60
    assertThat(at60.get("A 2024-01-13").<Double>getAs(Features.RISK_LABEL)).isEqualTo(0.0);
  }

  @Test
  void forecastRowsHaveSevenHorizonsWithTheSameDayLastWeekAndTheTarget() {
    Map<String, Row> rows = byKey(Features.forecastRows(Features.asOf(daily), true)
        .filter(col("location_id").equalTo("A").and(col("date").equalTo(lit(date(14))))));
    assertThat(rows).hasSize(7);
    Row h3 = rows.get("A 2024-01-14 h3");
    assertThat(h3.<Date>getAs(Features.TARGET_DATE)).isEqualTo(date(17));
    assertThat(h3.<Double>getAs(Features.TARGET_CASES)).isEqualTo(17.0);
    // a week before the 17th is the unreported 10th: no naive forecast; the 7-day mean stands in as a feature
    assertThat(h3.<Double>getAs(Features.SAME_DAY_LAST_WEEK)).isNull();
    assertThat(h3.<Double>getAs(Features.SAME_DAY_LAST_WEEK_FILLED)).isCloseTo(67.0 / 6, within(1e-9));
    Row h4 = rows.get("A 2024-01-14 h4");
    assertThat(h4.<Double>getAs(Features.SAME_DAY_LAST_WEEK)).isEqualTo(11.0);
    assertThat(h4.<Double>getAs(Features.SAME_DAY_LAST_WEEK_PER_100K)).isCloseTo(5.5, within(1e-9));
    Row h7 = rows.get("A 2024-01-14 h7");
    assertThat(h7.<Double>getAs(Features.SAME_DAY_LAST_WEEK)).isEqualTo(14.0);
    assertThat(h7.<Double>getAs(Features.TARGET_CASES)).isNull(); // the 21st is not in the data
  }

  @Test
  void unlabelledForecastRowsForScoringCarryNoTarget() {
    Dataset<Row> rows = Features.forecastRows(Features.asOf(daily), false);
    assertThat(rows.columns()).doesNotContain(Features.TARGET_CASES);
    assertThat(rows.count()).isEqualTo(7L * (19 + 3));
  }
}
