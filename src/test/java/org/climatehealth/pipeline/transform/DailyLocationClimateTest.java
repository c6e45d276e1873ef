package org.climatehealth.pipeline.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.transform.CleanTables.Collected;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The day's climate values and the 7-calendar-day rolling features.
 *
 * <p>L1's data, by day of January 2024 (rain mm / max °C; "-" no climate row, "h" health only):
 * <pre>
 *  1: 10/30   2: 20/32   3: -   4: 5/28   5: null/null   6: -   7: 1/32   8: 2/30 (min null)
 *  9: -  10: h   11..15: -   16: h   17..19: -   20: 4/27   21: -   22: 6/25
 * </pre>
 * Windows are [date - 6, date]: e.g. on the 7th the window starts exactly on the 1st (included),
 * on the 8th it starts on the 2nd (the 1st has dropped out).
 */
class DailyLocationClimateTest {
  private static Collected daily;

  @BeforeAll
  static void buildDaily() {
    CleanTables tables = new CleanTables()
        .location("L1", 40_000)
        .location("L2", 10_000)
        .rain("2024-01-01", "L1", 10.0, 30.0)
        .rain("2024-01-02", "L1", 20.0, 32.0)
        .rain("2024-01-04", "L1", 5.0, 28.0)
        .climate("2024-01-05", "L1", null, 18.0, null)
        .rain("2024-01-07", "L1", 1.0, 32.0)
        .climate("2024-01-08", "L1", 30.0, null, 2.0)
        .health("2024-01-10", "L1", "dengue", 1, null, null)
        .health("2024-01-16", "L1", "dengue", 1, null, null)
        .rain("2024-01-20", "L1", 4.0, 27.0)
        .rain("2024-01-22", "L1", 6.0, 25.0)
        // another location on the same dates: windows are per location
        .rain("2024-01-07", "L2", 100.0, 40.0);
    Dataset<Row> spine = DailyLocationTable.spine(tables.locations(), tables.climate(), tables.health());
    daily = CleanTables.collect(DailyLocationTable.withRollingClimate(DailyLocationTable.withClimate(spine, tables.climate())));
  }

  @Test
  void addsTheDaysClimateValuesAndTheRollingFeaturesToEverySpineRow() {
    List<String> expected = List.of("location_id", "date", "location_name", "state_code", "district",
        "latitude", "longitude", "population", "temperature_max_c", "temperature_min_c", "humidity_pct", "rainfall_mm",
        "air_quality_index", "temperature_mean_c", "rainfall_7d_mm", "temperature_max_7d_mean_c");
    assertThat(daily.columns()).containsExactlyElementsOf(expected);
    assertThat(daily.keys()).containsExactly(
        "L1 2024-01-01", "L1 2024-01-02", "L1 2024-01-04", "L1 2024-01-05", "L1 2024-01-07", "L1 2024-01-08",
        "L1 2024-01-10", "L1 2024-01-16", "L1 2024-01-20", "L1 2024-01-22", "L2 2024-01-07");
  }

  @Test
  void dayValuesComeFromTheClimateRowAndTheMeanIsMaxPlusMinOverTwo() {
    Row first = daily.row("L1", "2024-01-01");
    assertThat(first.<Double>getAs("temperature_max_c")).isEqualTo(30.0);
    assertThat(first.<Double>getAs("temperature_min_c")).isEqualTo(20.0);
    assertThat(first.<Double>getAs("humidity_pct")).isEqualTo(CleanTables.HUMIDITY);
    assertThat(first.<Double>getAs("rainfall_mm")).isEqualTo(10.0);
    assertThat(first.<Double>getAs("air_quality_index")).isEqualTo(CleanTables.AIR_QUALITY);
    assertThat(first.<Double>getAs("temperature_mean_c")).isEqualTo(25.0);   // (30 + 20) / 2
    assertThat(daily.getDouble("L1", "2024-01-02", "temperature_mean_c")).isEqualTo(26.0); // (32 + 20) / 2
  }

  @Test
  void theMeanIsNullWhenMaxOrMinIsMissing() {
    assertThat(daily.get("L1", "2024-01-05", "temperature_mean_c")).isNull(); // max null
    assertThat(daily.get("L1", "2024-01-08", "temperature_mean_c")).isNull(); // min null
    assertThat(daily.getDouble("L1", "2024-01-08", "temperature_max_c")).isEqualTo(30.0);
  }

  @Test
  void aHealthOnlyDayHasNoClimateValues() {
    Row row = daily.row("L1", "2024-01-10");
    for (String column : List.of("temperature_max_c", "temperature_min_c", "humidity_pct", "rainfall_mm",
        "air_quality_index", "temperature_mean_c")) {
      assertThat(row.<Object>getAs(column)).as(column).isNull();
    }
  }

  @Test
  void rainfallIsSummedOverTheSevenCalendarDaysEndingOnTheDate() {
    assertThat(rain("2024-01-01")).isEqualTo(10.0);
    assertThat(rain("2024-01-02")).isEqualTo(30.0);          // 10 + 20
    assertThat(rain("2024-01-04")).isEqualTo(35.0);          // 10 + 20 + (3rd missing) + 5
    assertThat(rain("2024-01-05")).isEqualTo(35.0);          // the 5th's null rainfall adds nothing
    assertThat(rain("2024-01-07")).isEqualTo(36.0);          // window 1st..7th: the 1st is exactly 6 days back
    assertThat(rain("2024-01-08")).isEqualTo(28.0);          // window 2nd..8th: 20 + 5 + 1 + 2, the 1st dropped
  }

  @Test
  void aHealthOnlyDateGetsTheRollingValuesOfItsOwnWindow() {
    assertThat(rain("2024-01-10")).isEqualTo(8.0);           // window 4th..10th: 5 + 1 + 2
    assertThat(maxMean("2024-01-10")).isEqualTo(30.0);       // (28 + 32 + 30) / 3
    assertThat(rain("2024-01-16")).isNull();                 // window 10th..16th holds no climate value
    assertThat(maxMean("2024-01-16")).isNull();
  }

  @Test
  void aGapIsNotBridgedByLookingBackSevenRows() {
    // the previous rows are on the 8th and earlier, more than 6 days before the 20th
    assertThat(rain("2024-01-20")).isEqualTo(4.0);
    assertThat(maxMean("2024-01-20")).isEqualTo(27.0);
    assertThat(rain("2024-01-22")).isEqualTo(10.0);          // 4 + 6
    assertThat(maxMean("2024-01-22")).isEqualTo(26.0);       // (27 + 25) / 2
  }

  @Test
  void theMaxTemperatureMeanAveragesOnlyTheValuesPresentInTheWindow() {
    assertThat(maxMean("2024-01-01")).isEqualTo(30.0);
    assertThat(maxMean("2024-01-02")).isEqualTo(31.0);       // (30 + 32) / 2
    assertThat(maxMean("2024-01-04")).isEqualTo(30.0);       // (30 + 32 + 28) / 3
    assertThat(maxMean("2024-01-05")).isEqualTo(30.0);       // the 5th's null max is not a value
    assertThat(maxMean("2024-01-07")).isEqualTo(30.5);       // (30 + 32 + 28 + 32) / 4
    assertThat(maxMean("2024-01-08")).isEqualTo(30.5);       // (32 + 28 + 32 + 30) / 4
  }

  @Test
  void windowsArePerLocation() {
    assertThat(daily.getDouble("L2", "2024-01-07", "rainfall_7d_mm")).isEqualTo(100.0);
    assertThat(daily.getDouble("L2", "2024-01-07", "temperature_max_7d_mean_c")).isEqualTo(40.0);
    assertThat(rain("2024-01-07")).isEqualTo(36.0);
  }

  private static Double rain(String date) {
    return daily.getDouble("L1", date, "rainfall_7d_mm");
  }

  private static Double maxMean(String date) {
    return daily.getDouble("L1", date, "temperature_max_7d_mean_c");
  }
}
