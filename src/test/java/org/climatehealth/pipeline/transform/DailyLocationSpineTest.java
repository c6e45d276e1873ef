package org.climatehealth.pipeline.transform;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.transform.CleanTables.Collected;
import org.junit.jupiter.api.Test;

class DailyLocationSpineTest {
  private final CleanTables tables = new CleanTables()
      .location("L1", 40_000)
      .location("L2", 10_000)
      .location("L3", 5_000) // known, but no climate or health: no rows
      .rain("2024-01-01", "L1", 1.0, 30.0)
      .rain("2024-01-02", "L1", 2.0, 30.0)
      .health("2024-01-02", "L1", "dengue", 1, null, null)
      .health("2024-01-02", "L1", "malaria", 2, null, null) // two diseases on one day: still one row
      .health("2024-01-03", "L1", "dengue", 3, null, null)  // health only
      .health("2024-01-01", "L2", "dengue", 4, null, null)
      .rain("2024-01-01", "L9", 5.0, 30.0);                 // unknown location: dropped

  @Test
  void hasOneRowPerKnownLocationAndDateInClimateOrHealth() {
    Collected spine = CleanTables.collect(DailyLocationTable.spine(tables.locations(), tables.climate(), tables.health()));

    assertThat(spine.keys()).containsExactly("L1 2024-01-01", "L1 2024-01-02", "L1 2024-01-03", "L2 2024-01-01");
  }

  @Test
  void carriesTheKeysThenEveryLocationAttribute() {
    Dataset<Row> spine = DailyLocationTable.spine(tables.locations(), tables.climate(), tables.health());

    assertThat(spine.columns()).containsExactly("location_id", "date", "location_name", "state_code", "district",
        "latitude", "longitude", "population");
    Row row = CleanTables.collect(spine).row("L2", "2024-01-01");
    assertThat(row.<String>getAs("location_name")).isEqualTo("Name L2");
    assertThat(row.<String>getAs("state_code")).isEqualTo("KA");
    assertThat(row.<String>getAs("district")).isEqualTo("District L2");
    assertThat(row.<Double>getAs("latitude")).isEqualTo(CleanTables.LATITUDE);
    assertThat(row.<Double>getAs("longitude")).isEqualTo(CleanTables.LONGITUDE);
    assertThat(row.<Long>getAs("population")).isEqualTo(10_000L);
    assertThat(spine.schema().apply("population").dataType())
        .isEqualTo(RawDataset.LOCATIONS.cleanSchema().apply("population").dataType());
  }
}
