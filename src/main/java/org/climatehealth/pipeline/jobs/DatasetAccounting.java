package org.climatehealth.pipeline.jobs;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The row accounting of one dataset (CONTRACT §5):
 * {@code rows_read = rows_valid + rows_quarantined + duplicates_collapsed}.
 */
public record DatasetAccounting(
    @JsonProperty("rows_read") long rowsRead,
    @JsonProperty("rows_valid") long rowsValid,
    @JsonProperty("rows_quarantined") long rowsQuarantined,
    @JsonProperty("duplicates_collapsed") long duplicatesCollapsed,
    Map<String, Long> reasons,
    List<String> files,
    @JsonProperty("unknown_columns") List<String> unknownColumns) {

  /** Whether the identity holds; always written beside the numbers. */
  @JsonProperty("identity_holds")
  public boolean identityHolds() {
    return rowsRead == rowsValid + rowsQuarantined + duplicatesCollapsed
        && reasons.values().stream().mapToLong(Long::longValue).sum() == rowsQuarantined;
  }
}
