package org.climatehealth.pipeline.model;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.registry.ModelMetadata.DataRange;

/**
 * A rolling-origin backtest: the last {@code holdoutDays} labelled dates are split into
 * {@code origins} consecutive folds; the model of fold {@code i} is trained only on the dates
 * before its origin (with the {@value TimeSplit#GAP_DAYS}-day gap a 7-day label needs) and
 * evaluated on its fold. The registered model is then trained on every labelled date.
 *
 * <p>With 112 hold-out days and 4 origins the origins are 28 days apart: four models, each
 * judged on the four weeks after its origin, as a surveillance team would have met them.
 *
 * @param first the first labelled date
 * @param last the last labelled date
 * @param folds the folds, oldest first; each a {@link TimeSplit} whose evaluation is its fold
 */
public record Backtest(LocalDate first, LocalDate last, List<TimeSplit> folds) {
  /** The column that numbers a scored row's fold (0 for the oldest). */
  public static final String ORIGIN = "backtest_origin";

  /**
   * The folds over labelled dates {@code first..last}; fails when the oldest fold leaves fewer
   * training days than the hold-out has.
   */
  public static Backtest of(String model, LocalDate first, LocalDate last, int holdoutDays, int origins) {
    TimeSplit oldest = TimeSplit.of(model, first, last, holdoutDays);
    int count = Math.min(origins, holdoutDays);
    int length = holdoutDays / count;
    List<TimeSplit> folds = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      LocalDate from = oldest.evalFrom().plusDays((long) i * length);
      LocalDate to = i == count - 1 ? last : from.plusDays(length - 1L);
      folds.add(new TimeSplit(from.minusDays(TimeSplit.GAP_DAYS + 1L), from, to));
    }
    return new Backtest(first, last, List.copyOf(folds));
  }

  public LocalDate evalFrom() {
    return folds.get(0).evalFrom();
  }

  /** The registered model's training data: every labelled date. */
  public DataRange trainingRange(long rows) {
    return new DataRange(first.toString(), last.toString(), rows,
        "every labelled date (the backtest's models were trained on the dates before their origins)");
  }

  /** The backtest's evaluation data: every fold. */
  public DataRange evaluationRange(long rows) {
    int length = days(folds.get(0));
    return new DataRange(evalFrom().toString(), last.toString(), rows, "rolling-origin backtest: " + folds.size()
        + (folds.size() == 1 ? " origin" : " origins " + length + " days apart") + " over the last "
        + (ChronoUnit.DAYS.between(evalFrom(), last) + 1) + " labelled dates, each model trained on the dates before "
        + "its origin (a " + TimeSplit.GAP_DAYS + "-day gap)");
  }

  private static int days(TimeSplit fold) {
    return (int) ChronoUnit.DAYS.between(fold.evalFrom(), fold.evalTo()) + 1;
  }

  /**
   * One entry per origin for the report: its dates, rows and metrics (NaN kept: the JSON writer
   * makes it null).
   */
  public List<Map<String, Object>> perOrigin(List<Map<String, Double>> metrics) {
    List<Map<String, Object>> entries = new ArrayList<>();
    for (int i = 0; i < folds.size(); i++) {
      TimeSplit fold = folds.get(i);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("origin", fold.evalFrom().toString());
      entry.put("trained_to", fold.trainTo().toString());
      entry.put("evaluated_to", fold.evalTo().toString());
      entry.putAll(metrics.get(i));
      entries.add(entry);
    }
    return entries;
  }

  /**
   * The origin with the worst value of {@code metric} (lowest when {@code higherIsBetter}), or
   * null when no origin has a value.
   */
  public static Map<String, Object> worst(List<Map<String, Object>> perOrigin, String metric, boolean higherIsBetter) {
    Map<String, Object> worst = null;
    for (Map<String, Object> entry : perOrigin) {
      Object value = entry.get(metric);
      if (!(value instanceof Double d) || d.isNaN()) {
        continue;
      }
      if (worst == null || (higherIsBetter ? d < (Double) worst.get(metric) : d > (Double) worst.get(metric))) {
        worst = entry;
      }
    }
    return worst;
  }
}
