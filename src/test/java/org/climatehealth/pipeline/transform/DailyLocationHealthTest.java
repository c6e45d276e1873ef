package org.climatehealth.pipeline.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.climatehealth.pipeline.transform.CleanTables.Collected;
import org.junit.jupiter.api.Test;

/** Health totals over all diseases and the per-disease pivot. */
class DailyLocationHealthTest {
  private static final List<String> DISEASES = List.of("dengue", "malaria", "diarrhoea");

  private final CleanTables tables = new CleanTables()
      .location("L1", 40_000)
      // 1st: two configured diseases and cholera, which is not configured; diarrhoea has no row
      .health("2024-01-01", "L1", "dengue", 5, 1L, 2L)
      .health("2024-01-01", "L1", "malaria", 3, null, 1L)
      .health("2024-01-01", "L1", "cholera", 4, null, null)
      // 2nd: only the unconfigured disease, no deaths or hospitalizations reported
      .health("2024-01-02", "L1", "cholera", 2, null, null)
      // 3rd: climate only
      .rain("2024-01-03", "L1", 1.0, 30.0);

  @Test
  void hasTheKeysTheTotalsThenOneCasesColumnPerConfiguredDiseaseInOrder() {
    Dataset<Row> health = DailyLocationTable.healthTotals(tables.health(), DISEASES);

    assertThat(health.columns()).containsExactly("location_id", "date", "cases_total", "deaths_total",
        "hospitalizations_total", "cases_dengue", "cases_malaria", "cases_diarrhoea");
    for (String column : List.of("cases_total", "deaths_total", "hospitalizations_total", "cases_dengue")) {
      assertThat(health.schema().apply(column).dataType()).as(column).isEqualTo(DataTypes.LongType);
    }
  }

  @Test
  void totalsCountEveryDiseaseIncludingUnconfiguredOnes() {
    Collected health = CleanTables.collect(DailyLocationTable.healthTotals(tables.health(), DISEASES));

    assertThat(health.get("L1", "2024-01-01", "cases_total")).isEqualTo(12L);          // 5 + 3 + 4 (cholera)
    assertThat(health.get("L1", "2024-01-01", "deaths_total")).isEqualTo(1L);          // 1 + null + null
    assertThat(health.get("L1", "2024-01-01", "hospitalizations_total")).isEqualTo(3L); // 2 + 1 + null
    assertThat(health.get("L1", "2024-01-01", "cases_dengue")).isEqualTo(5L);
    assertThat(health.get("L1", "2024-01-01", "cases_malaria")).isEqualTo(3L);
    assertThat(health.columns()).doesNotContain("cases_cholera", "cholera");
  }

  @Test
  void aConfiguredDiseaseWithoutARowThatDayHasZeroCases() {
    Collected health = CleanTables.collect(DailyLocationTable.healthTotals(tables.health(), DISEASES));

    assertThat(health.get("L1", "2024-01-01", "cases_diarrhoea")).isEqualTo(0L);
    assertThat(health.get("L1", "2024-01-02", "cases_total")).isEqualTo(2L);
    assertThat(health.get("L1", "2024-01-02", "cases_dengue")).isEqualTo(0L);
    assertThat(health.get("L1", "2024-01-02", "cases_malaria")).isEqualTo(0L);
    assertThat(health.get("L1", "2024-01-02", "cases_diarrhoea")).isEqualTo(0L);
  }

  @Test
  void deathsAndHospitalizationsAreNullWhenNoRowReportsThem() {
    Collected health = CleanTables.collect(DailyLocationTable.healthTotals(tables.health(), DISEASES));

    assertThat(health.get("L1", "2024-01-02", "deaths_total")).isNull();
    assertThat(health.get("L1", "2024-01-02", "hospitalizations_total")).isNull();
  }

  @Test
  void onlyDatesWithHealthRowsAppear() {
    Collected health = CleanTables.collect(DailyLocationTable.healthTotals(tables.health(), DISEASES));

    assertThat(health.keys()).containsExactly("L1 2024-01-01", "L1 2024-01-02");
  }

  @Test
  void withoutConfiguredDiseasesOnlyTheTotalsRemain() {
    Collected health = CleanTables.collect(DailyLocationTable.healthTotals(tables.health(), List.of()));

    assertThat(health.columns()).containsExactly("location_id", "date", "cases_total", "deaths_total",
        "hospitalizations_total");
    assertThat(health.get("L1", "2024-01-01", "cases_total")).isEqualTo(12L);
  }

  @Test
  void aDiseaseNameWithSpacesOrDotsBecomesAColumnAsIs() {
    CleanTables odd = new CleanTables().location("L1", 1_000)
        .health("2024-01-01", "L1", "heat stroke", 7, null, null)
        .health("2024-01-01", "L1", "covid.19", 2, null, null);

    Collected health = CleanTables.collect(
        DailyLocationTable.healthTotals(odd.health(), List.of("heat stroke", "covid.19")));

    assertThat(health.get("L1", "2024-01-01", "cases_heat stroke")).isEqualTo(7L);
    assertThat(health.get("L1", "2024-01-01", "cases_covid.19")).isEqualTo(2L);
  }

  @Test
  void aDiseaseConfiguredTwiceIsRejected() {
    assertThatThrownBy(() -> DailyLocationTable.healthTotals(tables.health(), List.of("dengue", "dengue")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dengue");
  }
}
