package org.climatehealth.pipeline.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * The facts of one finished run (CONTRACT §7), written to {@code _runs/<command>/<run_id>.json}
 * in the processed store and summarised on stdout. Timestamps are ISO-8601 UTC strings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(
    @JsonProperty("run_id") String runId,
    String command,
    String status,
    @JsonProperty("started_at") String startedAt,
    @JsonProperty("finished_at") String finishedAt,
    @JsonProperty("duration_s") double durationS,
    String env,
    List<InputFile> inputs,
    List<Output> outputs,
    Map<String, Object> details,
    Quality quality,
    Failure error) {

  public static final String SUCCESS = "success";
  public static final String FAILED = "failed";
  public static final String GATE_FAILED = "gate_failed";

  /**
   * An input file: where, how big, and its checksum where known: the store's ETag (S3's; for a
   * local file a version tag of its size, modification time and identity, which changes with the
   * content).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record InputFile(String path, @JsonProperty("size_bytes") long sizeBytes, String checksum) {}

  /** An output location and what the run put there. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String path, Long objects, @JsonProperty("size_bytes") Long sizeBytes, Long rows,
      List<String> partitions) {}

  /**
   * The dataset-level quality checks of a {@code process} run ({@code pipeline.quality}): what was
   * measured of each dataset and each check's outcome. Kept in the run report so that the history
   * of successful runs is read back from their reports (the row-drop check) and a failed run leaves
   * nothing but its report.
   *
   * @param from the run's --from date (ISO), null for all dates; likewise {@code to}
   * @param metrics per dataset: rows read, valid and quarantined, newest date, filled-in optional columns
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Quality(String from, String to, Map<String, ?> metrics, List<QualityCheck> checks) {}

  /**
   * One dataset-level quality check of {@code process} ({@code pipeline.quality}): what was
   * measured, the condition it had to meet, and whether it did. A failed check at level
   * {@code error} fails the run before anything is published; at {@code warn} it is only reported.
   *
   * @param column the column, for a completeness check; else null
   * @param value the metric: a count, a share (0..1) or a date; null when there was nothing to measure
   * @param threshold the condition in words, e.g. {@code >= 0.9} or {@code >= 2024-01-09 (2024-01-16 - 7 days)}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record QualityCheck(String dataset, String check, String column, String level, Object value,
      String threshold, boolean passed, String message) {}

  /** Why a run failed. */
  public record Failure(String message, String type) {}

  /** The report's key in the processed store. */
  public String key() {
    return key(command, runId);
  }

  /** Where the report of run {@code runId} of {@code command} goes in the processed store. */
  public static String key(String command, String runId) {
    return "_runs/" + command + "/" + runId + ".json";
  }
}
