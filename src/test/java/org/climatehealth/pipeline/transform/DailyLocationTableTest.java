package org.climatehealth.pipeline.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.dataset.DailyLocation;
import org.climatehealth.pipeline.transform.CleanTables.Collected;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The composed table, end to end.
 *
 * <p>L1 (population 40 000): climate Jan 30 (rain 10, 30/20 °C), Jan 31 (20, 32/22), Feb 1 (5,
 * 28/18), Feb 3 (0, 26/16), Mar 15 (1, 25/15); health on Feb 1 (dengue 5, malaria 3, cholera 4 —
 * cholera not configured) and Feb 2 (dengue 2, a health-only day); hospital H1 reports 200 beds,
 * 20 ICU, 150 occupied on Jan 31. L2 (population 30 000): one climate day, one case, a hospital of
 * 30 beds with 7 occupied. L4 (population 0) has a hospital with 0 beds.
 */
class DailyLocationTableTest {
  private static final List<String> DISEASES = List.of("dengue", "malaria", "diarrhoea");

  private static Dataset<Row> table;
  private static Collected rows;

  @BeforeAll
  static void buildTable() {
    CleanTables tables = new CleanTables()
        .location("L1", 40_000)
        .location("L2", 30_000)
        .location("L4", 0)
        .climate("2024-01-30", "L1", 30.0, 20.0, 10.0)
        .climate("2024-01-31", "L1", 32.0, 22.0, 20.0)
        .climate("2024-02-01", "L1", 28.0, 18.0, 5.0)
        .climate("2024-02-03", "L1", 26.0, 16.0, 0.0)
        .climate("2024-03-15", "L1", 25.0, 15.0, 1.0)
        .health("2024-02-01", "L1", "dengue", 5, 1L, 2L)
        .health("2024-02-01", "L1", "malaria", 3, null, 1L)
        .health("2024-02-01", "L1", "cholera", 4, null, null)
        .health("2024-02-02", "L1", "dengue", 2, 0L, 0L)
        .report("2024-01-31", "H1", "L1", 200, 20L, 150L)
        .climate("2024-02-01", "L2", 30.0, 20.0, 0.0)
        .health("2024-02-01", "L2", "malaria", 1, null, null)
        .report("2024-01-01", "H2", "L2", 30, null, 7L)
        .health("2024-02-01", "L4", "dengue", 3, null, null)
        .report("2024-01-01", "H4", "L4", 0, 0L, 0L);
    table = tables.build(DISEASES);
    rows = CleanTables.collect(table);
  }

  @Test
  void hasExactlyTheContractColumnsInOrder() {
    assertThat(table.columns()).containsExactlyElementsOf(DailyLocation.columns(DISEASES));
  }

  @Test
  void columnTypes() {
    StructType schema = table.schema();
    assertThat(schema.apply("date").dataType()).isEqualTo(DataTypes.DateType);
    assertThat(schema.apply("population").dataType()).isEqualTo(DataTypes.LongType);
    for (String column : List.of("temperature_mean_c", "rainfall_7d_mm", "temperature_max_7d_mean_c",
        "cases_per_100k", "bed_occupancy_rate", "beds_per_100k")) {
      assertThat(schema.apply(column).dataType()).as(column).isEqualTo(DataTypes.DoubleType);
    }
    for (String column : List.of("cases_total", "deaths_total", "hospitalizations_total", "cases_dengue",
        "cases_malaria", "cases_diarrhoea", "total_beds", "icu_beds", "occupied_beds")) {
      assertThat(schema.apply(column).dataType()).as(column).isEqualTo(DataTypes.LongType);
    }
    assertThat(schema.apply(DailyLocation.MONTH).dataType()).isEqualTo(DataTypes.StringType);
  }

  @Test
  void hasOneRowPerLocationAndDateInClimateOrHealth() {
    assertThat(rows.keys()).containsExactly(
        "L1 2024-01-30", "L1 2024-01-31", "L1 2024-02-01", "L1 2024-02-02", "L1 2024-02-03", "L1 2024-03-15",
        "L2 2024-02-01", "L4 2024-02-01");
  }

  @Test
  void aDayWithClimateHealthAndCapacityHasEveryValue() {
    assertThat(values(rows.row("L1", "2024-02-01"))).containsExactly(
        "L1", LocalDate.parse("2024-02-01"), "Name L1", "KA", "District L1", CleanTables.LATITUDE,
        CleanTables.LONGITUDE, 40_000L,
        28.0, 18.0, 23.0, CleanTables.HUMIDITY, 5.0, CleanTables.AIR_QUALITY,
        35.0,         // rainfall_7d_mm: 10 + 20 + 5 (Jan 26 .. Feb 1)
        30.0,         // temperature_max_7d_mean_c: (30 + 32 + 28) / 3
        12L, 1L, 3L,  // totals: cholera counts in cases_total
        5L, 3L, 0L,   // dengue, malaria, diarrhoea (no row: 0)
        30.0,         // cases_per_100k: 12 / 40 000 * 100 000
        200L, 20L, 150L,
        0.75,         // bed_occupancy_rate: 150 / 200
        500.0,        // beds_per_100k: 200 / 40 000 * 100 000
        "2024-02");
  }

  @Test
  void aHealthOnlyDayHasNullClimateButRollingValuesOverItsWindow() {
    Row row = rows.row("L1", "2024-02-02");
    assertThat(row.<Object>getAs("rainfall_mm")).isNull();
    assertThat(row.<Object>getAs("temperature_mean_c")).isNull();
    assertThat(row.<Double>getAs("rainfall_7d_mm")).isEqualTo(35.0);
    assertThat(row.<Double>getAs("temperature_max_7d_mean_c")).isEqualTo(30.0);
    assertThat(row.<Long>getAs("cases_total")).isEqualTo(2L);
    assertThat(row.<Long>getAs("cases_malaria")).isEqualTo(0L);
    assertThat(row.<Double>getAs("cases_per_100k")).isEqualTo(5.0); // 2 / 40 000 * 100 000
  }

  @Test
  void aClimateOnlyDayHasNullHealth() {
    Row row = rows.row("L1", "2024-02-03");
    for (String column : List.of("cases_total", "deaths_total", "hospitalizations_total", "cases_dengue",
        "cases_malaria", "cases_diarrhoea", "cases_per_100k")) {
      assertThat(row.<Object>getAs(column)).as(column).isNull();
    }
    assertThat(row.<Double>getAs("rainfall_7d_mm")).isEqualTo(35.0); // 10 + 20 + 5 + 0 (Jan 28 .. Feb 3)
    assertThat(row.<Long>getAs("total_beds")).isEqualTo(200L);
  }

  @Test
  void beforeAnyHospitalReportCapacityAndItsRatesAreNull() {
    Row row = rows.row("L1", "2024-01-30");
    for (String column : List.of("total_beds", "icu_beds", "occupied_beds", "bed_occupancy_rate", "beds_per_100k")) {
      assertThat(row.<Object>getAs(column)).as(column).isNull();
    }
    assertThat(rows.get("L1", "2024-01-31", "total_beds")).isEqualTo(200L);
  }

  @Test
  void ratesAreDivisionsNotRounded() {
    assertThat(rows.getDouble("L2", "2024-02-01", "cases_per_100k")).isCloseTo(10.0 / 3, within(1e-12));
    assertThat(rows.getDouble("L2", "2024-02-01", "bed_occupancy_rate")).isCloseTo(7.0 / 30, within(1e-15));
    assertThat(rows.getDouble("L2", "2024-02-01", "beds_per_100k")).isCloseTo(100.0, within(1e-12));
    assertThat(rows.get("L2", "2024-02-01", "icu_beds")).isNull();
  }

  @Test
  void zeroBedsOrZeroPopulationGiveNullRatesNotErrors() {
    Row row = rows.row("L4", "2024-02-01");
    assertThat(row.<Long>getAs("cases_total")).isEqualTo(3L);
    assertThat(row.<Long>getAs("total_beds")).isEqualTo(0L);
    assertThat(row.<Object>getAs("cases_per_100k")).isNull();
    assertThat(row.<Object>getAs("bed_occupancy_rate")).isNull();
    assertThat(row.<Object>getAs("beds_per_100k")).isNull();
  }

  @Test
  void theMonthIsTheDatesYearAndMonth() {
    assertThat(rows.get("L1", "2024-01-31", DailyLocation.MONTH)).isEqualTo("2024-01");
    assertThat(rows.get("L1", "2024-02-01", DailyLocation.MONTH)).isEqualTo("2024-02");
    assertThat(rows.get("L1", "2024-03-15", DailyLocation.MONTH)).isEqualTo("2024-03");
  }

  @Test
  void restrictingToMonthsKeepsWholeMonthsAndTheRollingValuesOfTheFullData() {
    Collected february = CleanTables.collect(DailyLocationTable.restrictToMonths(table,
        LocalDate.parse("2024-02-10"), LocalDate.parse("2024-02-20")));

    // whole months: Feb 1..3 kept although they precede the 10th
    assertThat(february.keys()).containsExactly(
        "L1 2024-02-01", "L1 2024-02-02", "L1 2024-02-03", "L2 2024-02-01", "L4 2024-02-01");
    // Feb 1's window still holds Jan 30 and 31, which were filtered out
    assertThat(february.getDouble("L1", "2024-02-01", "rainfall_7d_mm")).isEqualTo(35.0);
  }

  @Test
  void aMissingBoundLeavesThatSideOpen() {
    assertThat(CleanTables.collect(DailyLocationTable.restrictToMonths(table, null, LocalDate.parse("2024-01-01"))).keys())
        .containsExactly("L1 2024-01-30", "L1 2024-01-31");
    assertThat(CleanTables.collect(DailyLocationTable.restrictToMonths(table, LocalDate.parse("2024-03-31"), null)).keys())
        .containsExactly("L1 2024-03-15");
    assertThat(CleanTables.collect(DailyLocationTable.restrictToMonths(table, null, null)).keys())
        .isEqualTo(rows.keys());
  }

  @Test
  void aRangeEndingBeforeItStartsIsRejected() {
    assertThatThrownBy(() -> DailyLocationTable.restrictToMonths(table, LocalDate.parse("2024-03-01"),
        LocalDate.parse("2024-02-28")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2024-03-01");
  }

  @Test
  void worksWithoutConfiguredDiseases() {
    CleanTables tables = new CleanTables().location("L1", 1_000)
        .health("2024-01-01", "L1", "dengue", 4, null, null);

    Dataset<Row> bare = tables.build(List.of());

    assertThat(bare.columns()).containsExactlyElementsOf(DailyLocation.columns(List.of()));
    assertThat(CleanTables.collect(bare).get("L1", "2024-01-01", "cases_total")).isEqualTo(4L);
  }

  @Test
  void thePlanHasNoCrossJoinAndBroadcastsTheLocations() {
    String plan = table.queryExecution().executedPlan().toString();

    assertThat(plan).doesNotContain("CartesianProduct", "NestedLoopJoin");
    assertThat(table.queryExecution().optimizedPlan().toString()).contains("broadcast");
  }

  /** The row's values in column order, dates as LocalDate. */
  private static List<Object> values(Row row) {
    List<Object> values = new ArrayList<>();
    for (int i = 0; i < row.size(); i++) {
      Object value = row.get(i);
      values.add(value instanceof java.sql.Date date ? date.toLocalDate() : value);
    }
    return values;
  }
}
