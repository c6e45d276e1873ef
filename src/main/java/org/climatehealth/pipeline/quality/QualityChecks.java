package org.climatehealth.pipeline.quality;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.climatehealth.pipeline.report.RunReport;

/**
 * Evaluates the configured checks on one run's metrics: pure arithmetic on the numbers of
 * {@link QualityMetrics} and the previous runs' valid rows, no Spark. A check at level off is not
 * listed. A check with nothing to measure (no rows to take a share of, no previous run) passes
 * and says why.
 */
public final class QualityChecks {
  private QualityChecks() {}

  /**
   * @param metrics this run's metrics by dataset
   * @param history per dataset, the previous successful runs' valid rows, newest first (at most
   *     {@link QualitySettings#historyRuns()} of them)
   * @param reference the freshness reference date, or null when there is none (no dated rows)
   */
  public static List<RunReport.QualityCheck> evaluate(QualitySettings settings, Map<String, DatasetMetrics> metrics,
      Map<String, List<Long>> history, LocalDate reference) {
    List<RunReport.QualityCheck> results = new ArrayList<>();
    for (Map.Entry<String, QualitySettings.DatasetChecks> entry : settings.datasets().entrySet()) {
      String dataset = entry.getKey();
      QualitySettings.DatasetChecks checks = entry.getValue();
      DatasetMetrics m = metrics.get(dataset);
      if (m == null) {
        continue;
      }
      if (checks.rowCount().enabled()) {
        results.add(rowCount(dataset, checks.rowCount(), m));
      }
      if (checks.rowDrop().enabled()) {
        results.add(rowDrop(dataset, checks.rowDrop(), m, history.getOrDefault(dataset, List.of())));
      }
      if (checks.freshness().enabled()) {
        results.add(freshness(dataset, checks.freshness(), m, reference));
      }
      if (checks.completeness().enabled()) {
        for (String column : checks.completeness().columns()) {
          results.add(completeness(dataset, checks.completeness(), column, m));
        }
      }
      if (checks.quarantineShare().enabled()) {
        results.add(quarantineShare(dataset, checks.quarantineShare(), m));
      }
      if (checks.knownLocation().enabled()) {
        results.add(knownLocation(dataset, checks.knownLocation(), m));
      }
    }
    return results;
  }

  static RunReport.QualityCheck rowCount(String dataset, QualitySettings.RowCount check, DatasetMetrics m) {
    long rows = m.rowsValid();
    boolean passed = rows >= check.min() && (check.max() == 0 || rows <= check.max());
    String threshold = check.max() == 0 ? ">= " + check.min() : "between " + check.min() + " and " + check.max();
    return result(dataset, "row-count", null, check.level(), rows, threshold, passed,
        rows + " valid rows" + (passed ? "" : ", expected " + threshold));
  }

  static RunReport.QualityCheck rowDrop(String dataset, QualitySettings.Check check, DatasetMetrics m,
      List<Long> previous) {
    long rows = m.rowsValid();
    if (previous.isEmpty()) {
      return result(dataset, "row-drop", null, check.level(), rows, null, true,
          "no previous successful run to compare with");
    }
    double median = median(previous);
    double least = check.threshold() * median;
    boolean passed = rows >= least;
    String threshold = String.format(Locale.ROOT, ">= %s (%s x median %s of the last %d successful runs)",
        number(least), number(check.threshold()), number(median), previous.size());
    return result(dataset, "row-drop", null, check.level(), rows, threshold, passed,
        String.format(Locale.ROOT, "%d valid rows, %s of the median %s of the last %d successful runs", rows,
            percent(median == 0 ? 1 : rows / median), number(median), previous.size()));
  }

  static RunReport.QualityCheck freshness(String dataset, QualitySettings.Check check, DatasetMetrics m,
      LocalDate reference) {
    long days = (long) check.threshold();
    if (reference == null) {
      return result(dataset, "freshness", null, check.level(), m.newestDate(), null, m.newestDate() != null,
          "no reference date: no dated rows in any dataset and no --to");
    }
    LocalDate oldest = reference.minusDays(days);
    String threshold = ">= " + oldest + " (" + reference + " - " + days + " days)";
    if (m.newestDate() == null) {
      return result(dataset, "freshness", null, check.level(), null, threshold, false, "no valid dated rows");
    }
    LocalDate newest = LocalDate.parse(m.newestDate());
    boolean passed = !newest.isBefore(oldest);
    return result(dataset, "freshness", null, check.level(), m.newestDate(), threshold, passed,
        "newest date " + newest + ", " + java.time.temporal.ChronoUnit.DAYS.between(newest, reference)
            + " days before " + reference);
  }

  static RunReport.QualityCheck completeness(String dataset, QualitySettings.Completeness check, String column,
      DatasetMetrics m) {
    String threshold = ">= " + number(check.minShare());
    if (m.rowsValid() == 0) {
      return result(dataset, "completeness", column, check.level(), null, threshold, true, "no valid rows");
    }
    long filled = m.nonNull().getOrDefault(column, 0L);
    double share = (double) filled / m.rowsValid();
    boolean passed = share >= check.minShare();
    return result(dataset, "completeness", column, check.level(), share, threshold, passed,
        filled + " of " + m.rowsValid() + " valid rows have " + column + " (" + percent(share) + ")");
  }

  static RunReport.QualityCheck quarantineShare(String dataset, QualitySettings.Check check, DatasetMetrics m) {
    String threshold = "<= " + number(check.threshold());
    if (m.rowsRead() == 0) {
      return result(dataset, "quarantine-share", null, check.level(), null, threshold, true, "no rows read");
    }
    double share = (double) m.rowsQuarantined() / m.rowsRead();
    boolean passed = share <= check.threshold();
    return result(dataset, "quarantine-share", null, check.level(), share, threshold, passed,
        m.rowsQuarantined() + " of " + m.rowsRead() + " rows read quarantined (" + percent(share) + ")");
  }

  static RunReport.QualityCheck knownLocation(String dataset, QualitySettings.Check check, DatasetMetrics m) {
    String threshold = ">= " + number(check.threshold());
    // rows read less the exact duplicates collapsed into one of them
    long checked = m.rowsValid() + m.rowsQuarantined();
    if (checked == 0) {
      return result(dataset, "known-location", null, check.level(), null, threshold, true, "no rows checked");
    }
    double share = (double) (checked - m.unknownLocation()) / checked;
    boolean passed = share >= check.threshold();
    return result(dataset, "known-location", null, check.level(), share, threshold, passed,
        m.unknownLocation() + " of " + checked + " rows have an unknown location_id (" + percent(1 - share) + ")");
  }

  /** The median: the middle value, or the mean of the two middle values of an even count. */
  static double median(List<Long> values) {
    List<Long> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }

  private static RunReport.QualityCheck result(String dataset, String check, String column,
      QualitySettings.Level level, Object value, String threshold, boolean passed, String message) {
    return new RunReport.QualityCheck(dataset, check, column, level.spelling(), value, threshold, passed, message);
  }

  private static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
        : String.format(Locale.ROOT, "%.4f", value).replaceAll("0+$", "");
  }

  private static String percent(double share) {
    return String.format(Locale.ROOT, "%.1f%%", share * 100);
  }
}
