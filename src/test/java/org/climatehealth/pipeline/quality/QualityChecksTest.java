package org.climatehealth.pipeline.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Date;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.jobs.DatasetAccounting;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;

/**
 * Each check on small numbers worked out by hand, and the one-aggregate measurement on a small
 * climate table.
 */
class QualityChecksTest {

  /** climate: 7 rows read = 4 valid + 2 quarantined (1 UNKNOWN_LOCATION, 1 BAD_DATE) + 1 collapsed. */
  static final DatasetAccounting CLIMATE = new DatasetAccounting(7, 4, 2, 1,
      Map.of("UNKNOWN_LOCATION", 1L, "BAD_DATE", 1L), List.of("raw/climate_data.csv"), List.of());

  static Row climate(String date, Double tmax, Double tmin, Double humidity, Double rainfall) {
    return RowFactory.create(Date.valueOf(date), "KA-BLR", tmax, tmin, humidity, rainfall, null);
  }

  @Test
  void oneAggregateMeasuresNewestDateAndFilledInColumns() {
    Dataset<Row> valid = TestSpark.session().createDataFrame(List.of(
        climate("2024-01-01", 30.0, 20.0, 50.0, null),
        climate("2024-01-05", null, 21.0, 55.0, null),
        climate("2024-01-03", 31.0, 22.0, 60.0, 1.0),
        climate("2024-01-02", 32.0, 23.0, 65.0, 2.0)), RawDataset.CLIMATE.cleanSchema());

    DatasetMetrics m = QualityMetrics.measure(RawDataset.CLIMATE, valid, CLIMATE);

    assertThat(m).isEqualTo(new DatasetMetrics(7, 4, 2, 1, "2024-01-05", Map.of(
        "temperature_max_c", 3L, "temperature_min_c", 4L, "humidity_pct", 4L, "rainfall_mm", 2L,
        "air_quality_index", 0L)));
  }

  /** The measured climate metrics above, as numbers. */
  static final DatasetMetrics MEASURED = new DatasetMetrics(7, 4, 2, 1, "2024-01-05", Map.of(
      "temperature_max_c", 3L, "temperature_min_c", 4L, "humidity_pct", 4L, "rainfall_mm", 2L,
      "air_quality_index", 0L));

  static RunReport.QualityCheck only(List<RunReport.QualityCheck> results, String check, String column) {
    return results.stream().filter(r -> r.dataset().equals("climate") && r.check().equals(check)
        && java.util.Objects.equals(r.column(), column)).findFirst().orElseThrow();
  }

  static List<RunReport.QualityCheck> climateChecks(List<Long> history, LocalDate reference, String... overrides) {
    QualitySettings settings = TestSettings.local(overrides).quality();
    return QualityChecks.evaluate(settings, Map.of("climate", MEASURED), Map.of("climate", history), reference);
  }

  @Test
  void sharesAndCountsAgainstTheShippedThresholds() {
    List<RunReport.QualityCheck> results = climateChecks(List.of(), LocalDate.parse("2024-01-10"));
    // row-count: 4 valid rows >= 1
    assertThat(only(results, "row-count", null)).extracting("value", "threshold", "passed", "level")
        .containsExactly(4L, ">= 1", true, "warn");
    // completeness >= 0.9: temperature_max_c 3/4 = 0.75 fails, humidity 4/4 passes, rainfall 2/4 = 0.5 fails
    assertThat(only(results, "completeness", "temperature_max_c")).extracting("value", "passed").containsExactly(0.75, false);
    assertThat(only(results, "completeness", "humidity_pct")).extracting("value", "passed").containsExactly(1.0, true);
    assertThat(only(results, "completeness", "rainfall_mm")).extracting("value", "passed", "message")
        .containsExactly(0.5, false, "2 of 4 valid rows have rainfall_mm (50.0%)");
    // quarantine-share <= 0.05: 2 of 7 read = 0.2857 fails
    assertThat(only(results, "quarantine-share", null)).extracting("value", "threshold", "passed")
        .containsExactly(2.0 / 7, "<= 0.05", false);
    // known-location >= 0.99: 4 valid + 2 quarantined = 6 checked, 1 unknown: 5/6 fails
    assertThat(only(results, "known-location", null)).extracting("value", "passed").containsExactly(5.0 / 6, false);
    // no history: row-drop passes and says why
    assertThat(only(results, "row-drop", null)).extracting("passed", "message")
        .containsExactly(true, "no previous successful run to compare with");
    // only climate had metrics: four completeness columns + five other checks
    assertThat(results).hasSize(9);
  }

  @Test
  void rowCountUpperBound() {
    assertThat(only(climateChecks(List.of(), null, "pipeline.quality.climate.row-count.max=3"), "row-count", null))
        .extracting("value", "threshold", "passed").containsExactly(4L, "between 1 and 3", false);
    assertThat(only(climateChecks(List.of(), null, "pipeline.quality.climate.row-count.max=4"), "row-count", null)
        .passed()).isTrue();
  }

  @Test
  void rowDropAgainstTheMedianOfPreviousRuns() {
    // median of 10, 4, 6 is 6; 0.5 x 6 = 3; 4 valid rows >= 3
    RunReport.QualityCheck odd = only(climateChecks(List.of(10L, 4L, 6L), null), "row-drop", null);
    assertThat(odd).extracting("value", "threshold", "passed")
        .containsExactly(4L, ">= 3 (0.5 x median 6 of the last 3 successful runs)", true);
    // median of 10, 8 is 9; 0.5 x 9 = 4.5; 4 < 4.5
    RunReport.QualityCheck even = only(climateChecks(List.of(10L, 8L), null), "row-drop", null);
    assertThat(even).extracting("threshold", "passed", "message")
        .containsExactly(">= 4.5 (0.5 x median 9 of the last 2 successful runs)", false,
            "4 valid rows, 44.4% of the median 9 of the last 2 successful runs");
    // at error the level says so
    assertThat(only(climateChecks(List.of(10L, 8L), null, "pipeline.quality.climate.row-drop.level=error"),
        "row-drop", null).level()).isEqualTo("error");
    assertThat(QualityChecks.median(List.of(3L, 1L, 2L))).isEqualTo(2.0);
    assertThat(QualityChecks.median(List.of(4L, 1L, 3L, 2L))).isEqualTo(2.5);
  }

  @Test
  void freshnessAgainstTheReferenceDate() {
    // newest 2024-01-05; reference 2024-01-10 - 7 days = 2024-01-03: fresh
    assertThat(only(climateChecks(List.of(), LocalDate.parse("2024-01-10")), "freshness", null))
        .extracting("value", "threshold", "passed", "message")
        .containsExactly("2024-01-05", ">= 2024-01-03 (2024-01-10 - 7 days)", true, "newest date 2024-01-05, 5 days before 2024-01-10");
    // reference 2024-01-13 - 7 days = 2024-01-06: stale by a day
    assertThat(only(climateChecks(List.of(), LocalDate.parse("2024-01-13")), "freshness", null).passed()).isFalse();
    // exactly on the bound: 2024-01-12 - 7 days = 2024-01-05
    assertThat(only(climateChecks(List.of(), LocalDate.parse("2024-01-12")), "freshness", null).passed()).isTrue();
  }

  @Test
  void offChecksAreNotListedAndEmptyDataPassesWhereThereIsNothingToMeasure() {
    List<RunReport.QualityCheck> results = QualityChecks.evaluate(TestSettings.local(
        "pipeline.quality.climate.freshness.level=off", "pipeline.quality.climate.completeness.level=off").quality(),
        Map.of("climate", new DatasetMetrics(0, 0, 0, 0, null, Map.of())), Map.of(), LocalDate.parse("2024-01-10"));
    assertThat(results).extracting(RunReport.QualityCheck::check)
        .containsExactly("row-count", "row-drop", "quarantine-share", "known-location");
    assertThat(results).extracting(RunReport.QualityCheck::passed).containsExactly(false, true, true, true);
  }

  @Test
  void referenceDateIsTheRunsEndOrTheNewestDataOrToday() {
    Map<String, DatasetMetrics> metrics = new LinkedHashMap<>();
    metrics.put("climate", new DatasetMetrics(1, 1, 0, 0, "2023-06-30", Map.of()));
    metrics.put("health", new DatasetMetrics(1, 1, 0, 0, "2023-07-02", Map.of()));
    metrics.put("locations", new DatasetMetrics(1, 1, 0, 0, null, Map.of()));
    Clock clock = Clock.fixed(Instant.parse("2026-11-25T23:30:00Z"), ZoneOffset.UTC);
    QualityGate data = new QualityGate(TestSettings.local().quality(), null, "r", clock);
    assertThat(data.referenceDate(metrics, null)).isEqualTo("2023-07-02");
    assertThat(data.referenceDate(metrics, LocalDate.parse("2023-12-31"))).isEqualTo("2023-12-31");
    assertThat(data.referenceDate(Map.of("locations", metrics.get("locations")), null)).isNull();
    QualityGate today = new QualityGate(TestSettings.local("pipeline.quality.freshness-reference=today").quality(),
        null, "r", clock);
    assertThat(today.referenceDate(metrics, LocalDate.parse("2023-12-31"))).isEqualTo("2026-11-25");
  }
}
