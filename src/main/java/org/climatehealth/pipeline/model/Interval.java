package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;

/**
 * The forecast's 80 % prediction interval, from the backtest's errors per horizon.
 *
 * <p>Counts are noisier where they are larger (roughly Poisson), so an error is measured in units
 * of {@code sqrt(predicted + 1)}: {@code r = (actual - predicted) / sqrt(predicted + 1)}. For each
 * horizon the 10th and 90th percentiles of {@code r} over the backtest, {@code q10} and
 * {@code q90}, give the interval {@code predicted + q * sqrt(predicted + 1)}, clipped at 0 and
 * always containing the forecast itself.
 *
 * <p>Worked example: horizon 3, {@code q10 = -1.5}, {@code q90 = 2.0}, forecast 24 cases:
 * {@code sqrt(25) = 5}, so the interval is 24 - 7.5 = 16.5 to 24 + 10 = 34.
 *
 * @param lower {@code q10} by horizon 1-7 (index 0 is horizon 1; null where the backtest had no row)
 * @param upper {@code q90} by horizon
 */
public record Interval(Double[] lower, Double[] upper) {
  /** The metadata parameter that holds the interval. */
  public static final String PARAMETER = "interval_80";
  public static final String LOWER = "predicted_cases_lower";
  public static final String UPPER = "predicted_cases_upper";
  static final double LOWER_QUANTILE = 0.1;
  static final double UPPER_QUANTILE = 0.9;
  private static final int HORIZONS = 7;

  /** Fits the quantiles on scored backtest rows (target, prediction and horizon). */
  public static Interval fit(Dataset<Row> scored) {
    Column residual = col(Features.TARGET_CASES).minus(col(ForecastModel.PREDICTED_CASES))
        .divide(scale(col(ForecastModel.PREDICTED_CASES)));
    Dataset<Row> byHorizon = scored.withColumn("__r", residual)
        .groupBy(col(Features.HORIZON).cast(DataTypes.IntegerType).as("h"))
        .agg(expr("percentile(__r, " + LOWER_QUANTILE + ")"), expr("percentile(__r, " + UPPER_QUANTILE + ")"));
    Double[] lower = new Double[HORIZONS];
    Double[] upper = new Double[HORIZONS];
    // seven aggregated rows at most
    for (Row row : byHorizon.collectAsList()) {
      int h = row.getInt(0);
      if (h >= 1 && h <= HORIZONS) {
        lower[h - 1] = row.isNullAt(1) ? null : row.getDouble(1);
        upper[h - 1] = row.isNullAt(2) ? null : row.getDouble(2);
      }
    }
    return new Interval(lower, upper);
  }

  /** The error unit of a forecast: {@code sqrt(predicted + 1)}. */
  static Column scale(Column predicted) {
    return sqrt(predicted.plus(1.0));
  }

  /** The interval's lower bound for a forecast at a horizon (1-7): never above the forecast, never below 0. */
  public Column lower(Column predicted, Column horizon) {
    Column q = quantile(lower, horizon);
    // greatest and least skip nulls: a horizon without a quantile has no bound
    return when(q.isNotNull(), greatest(lit(0.0), least(predicted, predicted.plus(q.multiply(scale(predicted))))));
  }

  /** The interval's upper bound: never below the forecast. */
  public Column upper(Column predicted, Column horizon) {
    Column q = quantile(upper, horizon);
    return when(q.isNotNull(), greatest(predicted, predicted.plus(q.multiply(scale(predicted)))));
  }

  private static Column quantile(Double[] byHorizon, Column horizon) {
    Column[] values = Arrays.stream(byHorizon).map(q -> lit(q).cast(DataTypes.DoubleType)).toArray(Column[]::new);
    return element_at(array(values), horizon.cast(DataTypes.IntegerType));
  }

  /** For the metadata: the rule and the quantiles by horizon. */
  public Map<String, Object> describe() {
    Map<String, Object> described = new LinkedHashMap<>();
    described.put("level", UPPER_QUANTILE - LOWER_QUANTILE);
    described.put("method", "backtest errors per horizon in units of sqrt(predicted_cases + 1): predicted_cases + "
        + "q * sqrt(predicted_cases + 1) for their " + LOWER_QUANTILE + " and " + UPPER_QUANTILE
        + " quantiles q, clipped at 0 and containing the forecast");
    List<Map<String, Object>> byHorizon = new ArrayList<>();
    for (int h = 1; h <= HORIZONS; h++) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("horizon_days", h);
      entry.put("q_lower", lower[h - 1]);
      entry.put("q_upper", upper[h - 1]);
      byHorizon.add(entry);
    }
    described.put("by_horizon", byHorizon);
    return described;
  }

  /** The interval saved in a forecast model's parameters, or null for a version trained without one. */
  public static Interval fromParameters(Map<String, Object> parameters) {
    if (parameters == null || !(parameters.get(PARAMETER) instanceof Map<?, ?> saved)
        || !(saved.get("by_horizon") instanceof List<?> entries)) {
      return null;
    }
    Double[] lower = new Double[HORIZONS];
    Double[] upper = new Double[HORIZONS];
    for (Object item : entries) {
      if (item instanceof Map<?, ?> entry && entry.get("horizon_days") instanceof Number h
          && h.intValue() >= 1 && h.intValue() <= HORIZONS) {
        lower[h.intValue() - 1] = entry.get("q_lower") instanceof Number n ? n.doubleValue() : null;
        upper[h.intValue() - 1] = entry.get("q_upper") instanceof Number n ? n.doubleValue() : null;
      }
    }
    return new Interval(lower, upper);
  }

  /**
   * The interval's coverage on the backtest and how it was measured.
   *
   * @param value the share of actual counts inside the interval (NaN without rows to measure)
   * @param how in a sentence
   */
  public record Coverage(double value, String how) {}

  /**
   * Out of sample: each origin after the first is judged with the interval fitted on the origins
   * before it. With one origin, in sample (said so): {@code fitted}, the interval of all of them.
   */
  public static Coverage backtestCoverage(Dataset<Row> pooled, int origins, Interval fitted) {
    if (origins == 1) {
      double[] counts = inside(fitted, pooled);
      return new Coverage(share(counts), "in sample: with one backtest origin the interval is measured on the errors "
          + "it was fitted on (" + (long) counts[1] + " rows; 2 or more origins give an out-of-sample figure)");
    }
    double within = 0;
    double rows = 0;
    for (int i = 1; i < origins; i++) {
      Column origin = col(Backtest.ORIGIN);
      double[] counts = inside(fit(pooled.filter(origin.lt(i))), pooled.filter(origin.equalTo(i)));
      within += counts[0];
      rows += counts[1];
    }
    return new Coverage(within / rows, "out of sample: each backtest origin after the first judged with the interval "
        + "fitted on the origins before it (" + (long) rows + " rows; target 0.7-0.9)");
  }

  /** Rows whose actual count lies inside the interval, and rows: one aggregate. */
  private static double[] inside(Interval interval, Dataset<Row> scored) {
    Column predicted = col(ForecastModel.PREDICTED_CASES);
    Column actual = col(Features.TARGET_CASES);
    Column horizon = col(Features.HORIZON);
    Row row = scored.agg(count(lit(1)), sum(when(actual.geq(interval.lower(predicted, horizon))
        .and(actual.leq(interval.upper(predicted, horizon))), 1).otherwise(0))).first();
    return new double[] {row.isNullAt(1) ? 0 : row.getLong(1), row.getLong(0)};
  }

  private static double share(double[] counts) {
    return counts[1] == 0 ? Double.NaN : counts[0] / counts[1];
  }
}
