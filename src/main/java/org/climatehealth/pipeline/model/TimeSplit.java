package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.UsageError;

/**
 * A time-based split: train on the past, evaluate on a later period. Training ends
 * {@value #GAP_DAYS} + 1 days before the evaluation period, so no training label (which looks
 * {@value #GAP_DAYS} days ahead) overlaps it. One fold of a {@link Backtest}.
 *
 * @param trainTo the last training date
 * @param evalFrom the first evaluation date
 * @param evalTo the last evaluation date
 */
public record TimeSplit(LocalDate trainTo, LocalDate evalFrom, LocalDate evalTo) {

  /** Labels look this many days ahead: the gap between training and evaluation. */
  public static final int GAP_DAYS = 7;

  /** The split of labelled dates {@code first..last}; fails when too little history is left to train on. */
  public static TimeSplit of(String model, LocalDate first, LocalDate last, int holdoutDays) {
    LocalDate evalFrom = last.minusDays(holdoutDays - 1L);
    LocalDate trainTo = evalFrom.minusDays(GAP_DAYS + 1L);
    if (trainTo.isBefore(first.plusDays(holdoutDays - 1L))) {
      throw new NotEnoughData(model + ": labelled dates " + first + ".." + last + " are too few for a "
          + holdoutDays + "-day hold-out (training needs at least as many days before it, plus a "
          + GAP_DAYS + "-day gap): process more history, or lower pipeline.models." + model + ".holdout-days");
    }
    return new TimeSplit(trainTo, evalFrom, last);
  }

  public Dataset<Row> training(Dataset<Row> rows) {
    return rows.filter(col("date").leq(lit(java.sql.Date.valueOf(trainTo))));
  }

  public Dataset<Row> evaluation(Dataset<Row> rows) {
    return rows.filter(col("date").between(lit(java.sql.Date.valueOf(evalFrom)), lit(java.sql.Date.valueOf(evalTo))));
  }

  /** Too little data to train and evaluate: bad input for this job (exit 2). */
  public static final class NotEnoughData extends RuntimeException implements UsageError {
    public NotEnoughData(String message) {
      super(message);
    }
  }
}
