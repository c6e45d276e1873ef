package org.climatehealth.pipeline.dataset;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The four raw datasets of CONTRACT §5: their file pattern in the raw store, columns (required or
 * not, with their parsed type), key, and the cleaned table's place in the processed store. The one
 * place where these names are decided.
 */
public enum RawDataset {
  LOCATIONS("locations", "locations", List.of(
      Column.required("location_id", ColumnType.ID),
      Column.optional("location_name", ColumnType.TEXT),
      Column.required("state_code", ColumnType.ID),
      Column.optional("district", ColumnType.TEXT),
      Column.optional("latitude", ColumnType.DECIMAL),
      Column.optional("longitude", ColumnType.DECIMAL),
      Column.required("population", ColumnType.COUNT)),
      List.of("location_id"), null),
  CLIMATE("climate", "climate_data", List.of(
      Column.required("date", ColumnType.DATE),
      Column.required("location_id", ColumnType.ID),
      Column.optional("temperature_max_c", ColumnType.DECIMAL),
      Column.optional("temperature_min_c", ColumnType.DECIMAL),
      Column.optional("humidity_pct", ColumnType.DECIMAL),
      Column.optional("rainfall_mm", ColumnType.DECIMAL),
      Column.optional("air_quality_index", ColumnType.DECIMAL)),
      List.of("location_id", "date"), "date"),
  HEALTH("health", "health_data", List.of(
      Column.required("date", ColumnType.DATE),
      Column.required("location_id", ColumnType.ID),
      Column.required("disease", ColumnType.CATEGORY),
      Column.required("cases", ColumnType.COUNT),
      Column.optional("deaths", ColumnType.COUNT),
      Column.optional("hospitalizations", ColumnType.COUNT)),
      List.of("location_id", "date", "disease"), "date"),
  HOSPITAL("hospital", "hospital_data", List.of(
      Column.required("report_date", ColumnType.DATE),
      Column.required("hospital_id", ColumnType.ID),
      Column.required("location_id", ColumnType.ID),
      Column.optional("hospital_name", ColumnType.TEXT),
      Column.required("total_beds", ColumnType.COUNT),
      Column.optional("icu_beds", ColumnType.COUNT),
      Column.optional("occupied_beds", ColumnType.COUNT)),
      List.of("hospital_id", "report_date"), "report_date");

  /** One column of a raw dataset. */
  public record Column(String name, ColumnType type, boolean required) {
    static Column required(String name, ColumnType type) {
      return new Column(name, type, true);
    }

    static Column optional(String name, ColumnType type) {
      return new Column(name, type, false);
    }
  }

  private final String tableName;
  private final String filePrefix;
  private final List<Column> columns;
  private final List<String> key;
  private final String dateColumn;

  RawDataset(String tableName, String filePrefix, List<Column> columns, List<String> key, String dateColumn) {
    this.tableName = tableName;
    this.filePrefix = filePrefix;
    this.columns = columns;
    this.key = key;
    this.dateColumn = dateColumn;
  }

  /** The dataset's name in the processed store and reports: locations, climate, health, hospital. */
  public String tableName() {
    return tableName;
  }

  /** Raw files of this dataset: keys {@code raw/<filePrefix>*.csv}. */
  public String filePrefix() {
    return "raw/" + filePrefix;
  }

  /** True when a raw-store key belongs to this dataset ({@code raw/climate_data*.csv}). */
  public boolean matches(String key) {
    return key.startsWith(filePrefix()) && key.toLowerCase(Locale.ROOT).endsWith(".csv")
        && key.indexOf('/', "raw/".length()) < 0;
  }

  public List<Column> columns() {
    return columns;
  }

  public List<String> columnNames() {
    return columns.stream().map(Column::name).toList();
  }

  public List<String> requiredColumns() {
    return columns.stream().filter(Column::required).map(Column::name).toList();
  }

  /** The key columns: rows sharing them describe the same thing. */
  public List<String> key() {
    return key;
  }

  /** The date column that places a row in a month, if the dataset has one. */
  public Optional<String> dateColumn() {
    return Optional.ofNullable(dateColumn);
  }

  /** Where the cleaned table goes in the processed store. */
  public String processedPrefix() {
    return "processed/" + tableName + "/";
  }

  /** The cleaned table's schema (typed columns, in contract order). */
  public StructType cleanSchema() {
    StructType schema = new StructType();
    for (Column column : columns) {
      schema = schema.add(new StructField(column.name(), column.type().sparkType(), !column.required(),
          org.apache.spark.sql.types.Metadata.empty()));
    }
    return schema;
  }

  /** All raw columns as strings, as read before parsing. */
  public StructType rawSchema() {
    StructType schema = new StructType();
    for (Column column : columns) {
      schema = schema.add(column.name(), DataTypes.StringType, true);
    }
    return schema;
  }
}
