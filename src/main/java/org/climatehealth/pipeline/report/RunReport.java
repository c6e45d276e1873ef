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
    Failure error) {

  public static final String SUCCESS = "success";
  public static final String FAILED = "failed";
  public static final String GATE_FAILED = "gate_failed";

  /** An input file: where, how big, and its ETag or MD5 where known. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record InputFile(String path, @JsonProperty("size_bytes") long sizeBytes, String checksum) {}

  /** An output location and what the run put there. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Output(String path, Long objects, @JsonProperty("size_bytes") Long sizeBytes, Long rows,
      List<String> partitions) {}

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
