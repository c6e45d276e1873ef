package org.climatehealth.pipeline.generate;

import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.climatehealth.pipeline.dataset.RawDataset;

/**
 * Positions of the columns the generator fills, looked up in {@link RawDataset} (the one place
 * where column names and order are decided); a name that is not there fails at once.
 */
final class Columns {
  static final String LOCATION_ID = "location_id";
  static final String LOCATION_NAME = "location_name";
  static final String STATE_CODE = "state_code";
  static final String DISTRICT = "district";
  static final String LATITUDE = "latitude";
  static final String LONGITUDE = "longitude";
  static final String POPULATION = "population";
  static final String AIR_QUALITY = "air_quality_index";
  static final String DISEASE = "disease";
  static final String HOSPITALIZATIONS = "hospitalizations";
  static final String HOSPITAL_ID = "hospital_id";
  static final String HOSPITAL_NAME = "hospital_name";
  static final String TEMPERATURE_MAX = "temperature_max_c";
  static final String TEMPERATURE_MIN = "temperature_min_c";
  static final String HUMIDITY = "humidity_pct";
  static final String RAINFALL = "rainfall_mm";
  static final String CASES = "cases";
  static final String DEATHS = "deaths";
  static final String TOTAL_BEDS = "total_beds";
  static final String ICU_BEDS = "icu_beds";
  static final String OCCUPIED_BEDS = "occupied_beds";

  private Columns() {}

  /** The position of {@code name} in {@code dataset}'s columns. */
  static int index(RawDataset dataset, String name) {
    int index = dataset.columnNames().indexOf(name);
    if (index < 0) {
      throw new IllegalStateException(dataset.tableName() + " has no column " + name);
    }
    return index;
  }

  /** Positions of the columns that match, in column order. */
  static int[] matching(RawDataset dataset, Predicate<RawDataset.Column> test) {
    List<RawDataset.Column> columns = dataset.columns();
    return IntStream.range(0, columns.size()).filter(i -> test.test(columns.get(i))).toArray();
  }
}
