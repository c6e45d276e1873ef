package org.climatehealth.pipeline.transform;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.testing.TestSpark;

/**
 * Fixture builder for the four cleaned tables (schemas: {@link RawDataset#cleanSchema()}), plus
 * short row-lookup helpers for assertions. Dates are ISO strings; {@code null} stands for a
 * missing optional value.
 */
final class CleanTables {
  static final double LATITUDE = 12.97;
  static final double LONGITUDE = 77.59;
  static final double HUMIDITY = 60.0;
  static final double AIR_QUALITY = 80.0;

  private final List<Row> locations = new ArrayList<>();
  private final List<Row> climate = new ArrayList<>();
  private final List<Row> health = new ArrayList<>();
  private final List<Row> hospital = new ArrayList<>();

  /** A location named {@code "Name <id>"} in state KA, district {@code "District <id>"}. */
  CleanTables location(String id, long population) {
    locations.add(RowFactory.create(id, "Name " + id, "KA", "District " + id, LATITUDE, LONGITUDE, population));
    return this;
  }

  /** A climate row; humidity and air quality are the constants of this class. */
  CleanTables climate(String date, String location, Double temperatureMax, Double temperatureMin, Double rainfall) {
    climate.add(RowFactory.create(day(date), location, temperatureMax, temperatureMin, HUMIDITY, rainfall,
        AIR_QUALITY));
    return this;
  }

  /** A climate row with only max temperature and rainfall (min 20.0), for rolling features. */
  CleanTables rain(String date, String location, Double rainfall, Double temperatureMax) {
    return climate(date, location, temperatureMax, 20.0, rainfall);
  }

  CleanTables health(String date, String location, String disease, long cases, Long deaths, Long hospitalizations) {
    health.add(RowFactory.create(day(date), location, disease, cases, deaths, hospitalizations));
    return this;
  }

  CleanTables report(String date, String hospitalId, String location, long totalBeds, Long icuBeds,
      Long occupiedBeds) {
    hospital.add(RowFactory.create(day(date), hospitalId, location, "Hospital " + hospitalId, totalBeds, icuBeds,
        occupiedBeds));
    return this;
  }

  Dataset<Row> locations() {
    return frame(locations, RawDataset.LOCATIONS);
  }

  Dataset<Row> climate() {
    return frame(climate, RawDataset.CLIMATE);
  }

  Dataset<Row> health() {
    return frame(health, RawDataset.HEALTH);
  }

  Dataset<Row> hospital() {
    return frame(hospital, RawDataset.HOSPITAL);
  }

  Dataset<Row> build(List<String> diseases) {
    return DailyLocationTable.build(locations(), climate(), health(), hospital(), diseases);
  }

  private static Dataset<Row> frame(List<Row> rows, RawDataset dataset) {
    SparkSession spark = TestSpark.session();
    return spark.createDataFrame(rows, dataset.cleanSchema());
  }

  static LocalDate day(String isoDate) {
    return LocalDate.parse(isoDate);
  }

  // ---- assertion helpers ----

  /** Runs {@code table} once and keeps its rows, ordered by location_id then date, for lookups. */
  static Collected collect(Dataset<Row> table) {
    List<Row> rows = new ArrayList<>(table.collectAsList());
    rows.sort(Comparator.comparing((Row r) -> r.<String>getAs("location_id")).thenComparing(CleanTables::dateOf));
    return new Collected(List.of(table.columns()), List.copyOf(rows));
  }

  static LocalDate dateOf(Row row) {
    Object value = row.getAs("date");
    return value instanceof LocalDate local ? local : ((java.sql.Date) value).toLocalDate();
  }

  /** The collected rows of a table keyed by (location_id, date). */
  record Collected(List<String> columns, List<Row> rows) {
    /** The (location_id, date) keys, as {@code "L1 2024-01-01"}, in order. */
    List<String> keys() {
      return rows.stream().map(r -> r.getAs("location_id") + " " + dateOf(r)).toList();
    }

    /** The one row of {@code location} on {@code date}; fails when there is none or several. */
    Row row(String location, String date) {
      List<Row> matches = rows.stream()
          .filter(r -> location.equals(r.getAs("location_id")) && dateOf(r).equals(day(date)))
          .toList();
      assertThat(matches).as("rows of %s on %s", location, date).hasSize(1);
      return matches.get(0);
    }

    /** The value of {@code column} in the row of {@code location} on {@code date}. */
    Object get(String location, String date, String column) {
      assertThat(columns).as("columns").contains(column);
      return row(location, date).getAs(column);
    }

    /** {@link #get} for a double column. */
    Double getDouble(String location, String date, String column) {
      return (Double) get(location, date, column);
    }
  }
}
