package org.climatehealth.pipeline.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.transform.CleanTables.Collected;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Hospital capacity as of each date.
 *
 * <p>L1 has two hospitals: H1 reports on Jan 3 (100 beds, 10 ICU, 50 occupied) and again on Jan 8
 * (120, ICU not reported, 60); H2 reports once, on Jan 5 (50, 5, 45). L2's only hospital H3
 * reported on Dec 15, before any of L2's data. L3 has no hospital.
 */
class DailyLocationCapacityTest {
  private static CleanTables tables;
  private static Collected capacity;

  @BeforeAll
  static void computeCapacity() {
    tables = new CleanTables()
        .location("L1", 40_000)
        .location("L2", 10_000)
        .location("L3", 5_000)
        .report("2024-01-03", "H1", "L1", 100, 10L, 50L)
        .report("2024-01-08", "H1", "L1", 120, null, 60L)
        .report("2024-01-05", "H2", "L1", 50, 5L, 45L)
        .report("2023-12-15", "H3", "L2", 30, 3L, 12L)
        .rain("2024-01-01", "L2", 0.0, 30.0)
        .rain("2024-01-01", "L3", 0.0, 30.0);
    for (LocalDate day = LocalDate.parse("2024-01-01"); !day.isAfter(LocalDate.parse("2024-01-10")); day = day.plusDays(1)) {
      tables.rain(day.toString(), "L1", 0.0, 30.0);
    }
    Dataset<Row> spine = DailyLocationTable.spine(tables.locations(), tables.climate(), tables.health());
    capacity = CleanTables.collect(DailyLocationTable.capacityAsOf(spine, tables.hospital()));
  }

  @Test
  void eachReportIsValidUntilTheHospitalsNextReport() {
    Collected intervals = collectIntervals();

    assertThat(intervals.columns()).containsExactly("hospital_id", "location_id", DailyLocationTable.VALID_FROM,
        DailyLocationTable.VALID_UNTIL, "total_beds", "icu_beds", "occupied_beds");
    assertThat(intervals.rows()).extracting(r -> r.getAs("hospital_id") + " " + r.getAs(DailyLocationTable.VALID_FROM)
            + " " + r.getAs(DailyLocationTable.VALID_UNTIL))
        .containsExactlyInAnyOrder(
            "H1 2024-01-03 2024-01-08",
            "H1 2024-01-08 null",
            "H2 2024-01-05 null",
            "H3 2023-12-15 null");
  }

  @Test
  void beforeAnyReportOfTheLocationThereIsNoCapacity() {
    assertThat(capacity.keys()).doesNotContain("L1 2024-01-01", "L1 2024-01-02", "L3 2024-01-01");
  }

  @Test
  void afterTheFirstHospitalsReportOnlyItsBedsCount() {
    expectCapacity("2024-01-03", 100, 10L, 50); // the report date itself counts (report_date <= date)
    expectCapacity("2024-01-04", 100, 10L, 50);
  }

  @Test
  void afterBothHospitalsReportedTheirBedsAreSummed() {
    expectCapacity("2024-01-05", 150, 15L, 95);
    expectCapacity("2024-01-07", 150, 15L, 95); // the day before H1's next report still uses its first
  }

  @Test
  void aLaterReportReplacesTheHospitalsEarlierOne() {
    // H1 now 120 / ICU not reported / 60, H2 still 50 / 5 / 45: ICU is the sum of the values present
    expectCapacity("2024-01-08", 170, 5L, 105);
    expectCapacity("2024-01-10", 170, 5L, 105);
  }

  @Test
  void aReportFromBeforeTheDataStillHolds() {
    assertThat(capacity.get("L2", "2024-01-01", "total_beds")).isEqualTo(30L);
    assertThat(capacity.get("L2", "2024-01-01", "icu_beds")).isEqualTo(3L);
    assertThat(capacity.get("L2", "2024-01-01", "occupied_beds")).isEqualTo(12L);
  }

  @Test
  void hasOneRowPerKeyWithAReport() {
    assertThat(capacity.columns()).containsExactly("location_id", "date", "total_beds", "icu_beds", "occupied_beds");
    assertThat(capacity.keys()).containsExactly(
        "L1 2024-01-03", "L1 2024-01-04", "L1 2024-01-05", "L1 2024-01-06", "L1 2024-01-07", "L1 2024-01-08",
        "L1 2024-01-09", "L1 2024-01-10", "L2 2024-01-01");
  }

  @Test
  void aHospitalThatMovesCountsAtEachLocationForItsOwnReportsOnly() {
    // H4 reports at L4 on Jan 2 (40, ICU not reported, 20), then at L5 on Jan 4 (60, 6, 30)
    CleanTables moved = new CleanTables()
        .location("L4", 1_000)
        .location("L5", 1_000)
        .report("2024-01-02", "H4", "L4", 40, null, 20L)
        .report("2024-01-04", "H4", "L5", 60, 6L, 30L);
    for (LocalDate day = LocalDate.parse("2024-01-01"); !day.isAfter(LocalDate.parse("2024-01-05")); day = day.plusDays(1)) {
      moved.rain(day.toString(), "L4", 0.0, 30.0).rain(day.toString(), "L5", 0.0, 30.0);
    }
    Dataset<Row> spine = DailyLocationTable.spine(moved.locations(), moved.climate(), moved.health());
    Collected result = CleanTables.collect(DailyLocationTable.capacityAsOf(spine, moved.hospital()));

    assertThat(result.keys()).containsExactly("L4 2024-01-02", "L4 2024-01-03", "L5 2024-01-04", "L5 2024-01-05");
    assertThat(result.get("L4", "2024-01-03", "total_beds")).isEqualTo(40L);
    assertThat(result.get("L4", "2024-01-03", "icu_beds")).isNull(); // no hospital reported a value
    assertThat(result.get("L4", "2024-01-03", "occupied_beds")).isEqualTo(20L);
    assertThat(result.get("L5", "2024-01-05", "total_beds")).isEqualTo(60L);
    assertThat(result.get("L5", "2024-01-05", "icu_beds")).isEqualTo(6L);
  }

  private static void expectCapacity(String date, long total, Long icu, long occupied) {
    assertThat(capacity.get("L1", date, "total_beds")).as("total_beds on %s", date).isEqualTo(total);
    assertThat(capacity.get("L1", date, "icu_beds")).as("icu_beds on %s", date).isEqualTo(icu);
    assertThat(capacity.get("L1", date, "occupied_beds")).as("occupied_beds on %s", date).isEqualTo(occupied);
  }

  private static Collected collectIntervals() {
    Dataset<Row> intervals = DailyLocationTable.hospitalIntervals(tables.hospital());
    List<Row> rows = intervals.collectAsList();
    return new Collected(List.of(intervals.columns()), rows);
  }
}
