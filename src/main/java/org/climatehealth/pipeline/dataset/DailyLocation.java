package org.climatehealth.pipeline.dataset;

import static org.apache.spark.sql.functions.date_format;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;

/** The joined daily table of CONTRACT §6: its place in the processed store and its columns. */
public final class DailyLocation {
  /** The table's folder as a key (for {@code Storage.exists}). */
  public static final String FOLDER = "processed/daily_location";
  /** The table's prefix: every object of the table is below it. */
  public static final String PREFIX = FOLDER + "/";
  /** Partition column: the month of {@code date} as {@code yyyy-MM}. */
  public static final String MONTH = "month";
  /**
   * Parquet bytes of the table per shuffle partition for the jobs that read it (train,
   * predict): its rows widen several times into features, so far less than the 64 MiB of CSV
   * that process takes per partition.
   */
  public static final long BYTES_PER_SHUFFLE_PARTITION = 16L << 20;

  /** Columns before the per-disease ones, in output order. */
  public static final List<String> LEADING_COLUMNS = List.of(
      "location_id", "date", "location_name", "state_code", "district", "latitude", "longitude", "population",
      "temperature_max_c", "temperature_min_c", "temperature_mean_c", "humidity_pct", "rainfall_mm",
      "air_quality_index", "rainfall_7d_mm", "temperature_max_7d_mean_c",
      "cases_total", "deaths_total", "hospitalizations_total");

  /** Columns after the per-disease ones, in output order. */
  public static final List<String> TRAILING_COLUMNS = List.of(
      "cases_per_100k", "total_beds", "icu_beds", "occupied_beds", "bed_occupancy_rate", "beds_per_100k");

  private DailyLocation() {}

  /** The {@link #MONTH} partition value of a date column: {@code yyyy-MM}. */
  public static Column month(Column date) {
    return date_format(date, "yyyy-MM");
  }

  /** The per-disease column of a configured disease. */
  public static String casesColumn(String disease) {
    return "cases_" + disease;
  }

  /** Every column of the table for the configured diseases, in output order (partition column last). */
  public static List<String> columns(List<String> diseases) {
    List<String> all = new ArrayList<>(LEADING_COLUMNS);
    diseases.forEach(d -> all.add(casesColumn(d)));
    all.addAll(TRAILING_COLUMNS);
    all.add(MONTH);
    return all;
  }
}
