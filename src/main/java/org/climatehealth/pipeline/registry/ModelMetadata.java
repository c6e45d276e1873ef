package org.climatehealth.pipeline.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * What the registry knows of one model version: {@code models/<name>/v<NNNN>/metadata.json}.
 * Timestamps are ISO-8601 UTC strings; dates are ISO dates.
 *
 * @param name the model's name: risk, forecast, abalone
 * @param version the version number (v0001 is 1)
 * @param createdAt when the version was registered
 * @param runId the training run
 * @param algorithm the learner, e.g. {@code GBTRegressor}
 * @param parameters the learner's and the features' settings
 * @param features the input feature columns, in the order the pipeline assembles them
 * @param label the label column and what it means
 * @param training the data it was trained on
 * @param evaluation the data it was evaluated on
 * @param rowsExcluded rows left out of training and evaluation, by reason (e.g. no label yet)
 * @param metrics evaluation metrics by name (roc_auc, mae, mse...); null where one could not be computed
 * @param metricsUnavailable why, for each metric that is null
 * @param backtest the rolling-origin backtest: metrics per origin, the worst origin and, for the
 *     risk model, its alerts' performance by location (null for models without one)
 * @param gate the quality gate and its outcome
 * @param status {@link #PENDING}, {@link #APPROVED} or {@link #REJECTED}
 * @param approvedBy who approved it ("policy:auto" for automatic approval)
 * @param approvedAt when it was approved
 * @param rejectedBy who rejected it ("gate" when it missed its quality gate)
 * @param rejectedAt when it was rejected
 * @param statusReason why it has its status, in a sentence
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record ModelMetadata(
    String name,
    int version,
    @JsonProperty("created_at") String createdAt,
    @JsonProperty("run_id") String runId,
    String algorithm,
    Map<String, Object> parameters,
    List<String> features,
    String label,
    DataRange training,
    DataRange evaluation,
    @JsonProperty("rows_excluded") Map<String, Long> rowsExcluded,
    Map<String, Double> metrics,
    @JsonProperty("metrics_unavailable") Map<String, String> metricsUnavailable,
    Map<String, Object> backtest,
    Gate gate,
    String status,
    @JsonProperty("approved_by") String approvedBy,
    @JsonProperty("approved_at") String approvedAt,
    @JsonProperty("rejected_by") String rejectedBy,
    @JsonProperty("rejected_at") String rejectedAt,
    @JsonProperty("status_reason") String statusReason) {

  public static final String PENDING = "pending";
  public static final String APPROVED = "approved";
  public static final String REJECTED = "rejected";

  /**
   * A slice of data: for time-based splits the first and last date, for a seeded random split
   * the description of the split, and always the rows.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DataRange(String from, String to, long rows, String split) {}

  /**
   * A quality gate and its outcome: {@code value comparison threshold} must hold.
   *
   * @param metric the metric it is on
   * @param comparison one of {@code >=}, {@code <=}, {@code <}
   * @param threshold the bound
   * @param value the metric's value (null when it could not be computed)
   * @param passed whether the model passed
   * @param message one line saying so, e.g. "roc_auc 0.52 is 0.23 below the gate's minimum 0.75"
   */
  public record Gate(String metric, String comparison, double threshold, Double value, boolean passed,
      String message) {}

  /** The version folder name: {@code v0007}. */
  public static String versionFolder(int version) {
    return String.format(java.util.Locale.ROOT, "v%04d", version);
  }

  /** A copy with a new status and who/when set. */
  public ModelMetadata withStatus(String newStatus, String by, String at, String reason) {
    boolean approved = APPROVED.equals(newStatus);
    boolean rejected = REJECTED.equals(newStatus);
    return new ModelMetadata(name, version, createdAt, runId, algorithm, parameters, features, label, training,
        evaluation, rowsExcluded, metrics, metricsUnavailable, backtest, gate, newStatus,
        approved ? by : approvedBy, approved ? at : approvedAt,
        rejected ? by : rejectedBy, rejected ? at : rejectedAt, reason);
  }
}
