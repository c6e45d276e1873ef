package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.UsageError;
import org.climatehealth.pipeline.registry.ModelMetadata.DataRange;

/**
 * A time-based hold-out: train on the past, evaluate on the most recent period. The evaluation
 * period is the last {@code holdoutDays} feature dates; training ends {@code gapDays} before it,
 * so no training label (which looks {@code gapDays} ahead) overlaps the evaluation period.
 *
 * @param firstDate the first feature date with a label
 * @param trainTo the last training date
 * @param evalFrom the first evaluation date
 * @param evalTo the last evaluation date (the last date with a label)
 */
public record TimeSplit(LocalDate firstDate, LocalDate trainTo, LocalDate evalFrom, LocalDate evalTo) {

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
    return new TimeSplit(first, trainTo, evalFrom, last);
  }

  public Dataset<Row> training(Dataset<Row> rows) {
    return rows.filter(col("date").leq(lit(java.sql.Date.valueOf(trainTo))));
  }

  public Dataset<Row> evaluation(Dataset<Row> rows) {
    return rows.filter(col("date").geq(lit(java.sql.Date.valueOf(evalFrom))));
  }

  public DataRange trainingRange(long rows) {
    return new DataRange(firstDate.toString(), trainTo.toString(), rows,
        "time-based: dates up to " + trainTo + " (a " + GAP_DAYS + "-day gap before the hold-out)");
  }

  public DataRange evaluationRange(long rows) {
    return new DataRange(evalFrom.toString(), evalTo.toString(), rows, "time-based hold-out: the most recent "
        + (java.time.temporal.ChronoUnit.DAYS.between(evalFrom, evalTo) + 1) + " days");
  }

  /** Too little data to train and evaluate: bad input for this job (exit 2). */
  public static final class NotEnoughData extends RuntimeException implements UsageError {
    public NotEnoughData(String message) {
      super(message);
    }
  }
}
