package org.climatehealth.pipeline.quality;

import java.util.List;
import org.climatehealth.pipeline.report.RunReport;

/** Quality checks at level {@code error} failed: the run stops before publishing (exit 1). */
public final class QualityCheckFailedException extends RuntimeException {
  private final transient List<RunReport.QualityCheck> failed;

  public QualityCheckFailedException(String message, List<RunReport.QualityCheck> failed) {
    super(message);
    this.failed = List.copyOf(failed);
  }

  /** The error-level checks that failed. */
  public List<RunReport.QualityCheck> failed() {
    return failed;
  }
}
