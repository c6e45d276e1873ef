package org.climatehealth.pipeline.quality;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * What one run measured of one dataset, kept in the run report's {@code quality.metrics}. For
 * {@code daily_location} only the rows (of the months the run writes) are measured.
 *
 * @param rowsRead raw rows read
 * @param rowsValid rows that passed validation (for daily_location: its rows)
 * @param rowsQuarantined rows quarantined, for any reason
 * @param unknownLocation rows quarantined as UNKNOWN_LOCATION
 * @param newestDate the newest date of the valid rows (ISO), null without a date column or rows
 * @param nonNull per optional column, the valid rows that have a value
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetMetrics(
    @JsonProperty("rows_read") long rowsRead,
    @JsonProperty("rows_valid") long rowsValid,
    @JsonProperty("rows_quarantined") long rowsQuarantined,
    @JsonProperty("unknown_location") long unknownLocation,
    @JsonProperty("newest_date") String newestDate,
    @JsonProperty("non_null") Map<String, Long> nonNull) {

  public DatasetMetrics {
    nonNull = nonNull == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(nonNull));
  }

  /** The rows of a table that is only counted (daily_location). */
  public static DatasetMetrics rowsOnly(long rows) {
    return new DatasetMetrics(rows, rows, 0, 0, null, Map.of());
  }
}
