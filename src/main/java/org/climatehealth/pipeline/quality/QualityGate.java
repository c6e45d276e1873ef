package org.climatehealth.pipeline.quality;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.jobs.DatasetAccounting;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dataset-level quality checks of a process run, right before it publishes: measures the
 * validated data ({@link QualityMetrics}), reads the previous runs' metrics from their run
 * reports ({@link QualityHistory}), evaluates the checks ({@link QualityChecks}), puts the metrics
 * and results in the run report's {@code quality} section and logs them. Any failed check at
 * level {@code error} then throws {@link QualityCheckFailedException}: the caller publishes
 * nothing (tables, daily_location and the run's quarantine stay in staging, which is removed)
 * and the run exits 1 with a report of status failed.
 */
public final class QualityGate {
  private static final Logger LOG = LoggerFactory.getLogger(QualityGate.class);

  private final QualitySettings settings;
  private final Storage processed;
  private final String runId;
  private final Clock clock;

  public QualityGate(QualitySettings settings, Storage processed, String runId, Clock clock) {
    this.settings = settings;
    this.processed = processed;
    this.runId = runId;
    this.clock = clock;
  }

  /**
   * Checks the run's data; returns the results when no error-level check failed.
   *
   * @param valid each dataset's valid rows
   * @param accounting each dataset's row accounting by table name
   * @param dailyLocationRows rows of daily_location the run writes
   * @param from the run's --from date or null; likewise {@code to}
   * @throws QualityCheckFailedException when a check at level error failed (after recording it)
   */
  public List<RunReport.QualityCheck> check(Map<RawDataset, Dataset<Row>> valid,
      Map<String, DatasetAccounting> accounting, long dailyLocationRows, LocalDate from, LocalDate to,
      RunRecorder recorder) {
    Map<String, DatasetMetrics> metrics = QualityMetrics.measure(valid, accounting, dailyLocationRows);
    String fromText = from == null ? null : from.toString();
    String toText = to == null ? null : to.toString();
    QualityHistory history = new QualityHistory(processed);
    Map<String, List<Long>> previous = history.previousValidRows(runId, settings.historyRuns(), fromText, toText);
    List<RunReport.QualityCheck> results = QualityChecks.evaluate(settings, metrics, previous,
        referenceDate(metrics, to));
    List<RunReport.QualityCheck> errors = results.stream()
        .filter(r -> !r.passed() && r.level().equals(QualitySettings.Level.ERROR.spelling())).toList();

    recorder.quality(new RunReport.Quality(fromText, toText, metrics, results));
    for (RunReport.QualityCheck r : results) {
      if (!r.passed()) {
        LOG.warn("quality {}: {} {}{} failed: {} (expected {})", r.level(), r.dataset(), r.check(),
            r.column() == null ? "" : " " + r.column(), r.message(), r.threshold());
      }
    }
    LOG.info("quality: {} checks, {} failed ({} at error)", results.size(),
        results.stream().filter(r -> !r.passed()).count(), errors.size());
    if (!errors.isEmpty()) {
      throw new QualityCheckFailedException("quality check" + (errors.size() == 1 ? "" : "s")
          + " failed at level error, nothing was published: "
          + errors.stream().map(QualityGate::describe).collect(Collectors.joining("; "))
          + " (the run report's quality section has every check; if the data are right, set"
          + " pipeline.quality.<dataset>.<check>.level = warn)", errors);
    }
    return results;
  }

  /**
   * The freshness reference: today (UTC) when so configured; else the run's --to date when
   * given, else the newest date of any dated dataset in the run (null when none has a dated row).
   */
  LocalDate referenceDate(Map<String, DatasetMetrics> metrics, LocalDate to) {
    if (settings.freshnessReference() == QualitySettings.FreshnessReference.TODAY) {
      return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }
    if (to != null) {
      return to;
    }
    return metrics.values().stream().map(DatasetMetrics::newestDate).filter(Objects::nonNull)
        .map(LocalDate::parse).max(LocalDate::compareTo).orElse(null);
  }

  private static String describe(RunReport.QualityCheck r) {
    return r.dataset() + " " + r.check() + (r.column() == null ? "" : " " + r.column()) + ": " + r.message()
        + (r.threshold() == null ? "" : ", expected " + r.threshold());
  }
}
