package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.try_divide;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * What a surveillance officer asks of the risk model first: of the outbreaks in each location,
 * how many would its alerts have caught (sensitivity), and how often would it have cried wolf
 * (false-alarm rate). Worked out on the backtest: an alert is a score at or above the HIGH level
 * (a HIGH_RISK alert); an outbreak is a positive label.
 */
public final class AlertPerformance {
  /** The folder of a model version's table: one row per location. */
  public static final String TABLE = "backtest_alerts_by_location/";

  public static final String SENSITIVITY = "sensitivity";
  public static final String FALSE_ALARM_RATE = "false_alarm_rate";

  private AlertPerformance() {}

  /**
   * Per location, from scored backtest rows ({@link Features#RISK_LABEL}, {@link RiskModel#SCORE}):
   * {@code location_id, days, outbreak_days, alert_days, caught, false_alarms, sensitivity
   * (caught / outbreak_days; null without outbreaks), false_alarm_rate (false_alarms / days without
   * an outbreak; null without such days)}.
   */
  public static Dataset<Row> byLocation(Dataset<Row> scored, double highRisk) {
    Column outbreak = col(Features.RISK_LABEL).equalTo(1.0);
    Column alert = col(RiskModel.SCORE).geq(highRisk);
    return scored.groupBy("location_id").agg(
            count(lit(1)).as("days"),
            sum(when(outbreak, 1).otherwise(0)).as("outbreak_days"),
            sum(when(alert, 1).otherwise(0)).as("alert_days"),
            sum(when(alert.and(outbreak), 1).otherwise(0)).as("caught"),
            sum(when(alert.and(outbreak.unary_$bang()), 1).otherwise(0)).as("false_alarms"))
        .withColumn(SENSITIVITY, try_divide(col("caught").cast("double"), col("outbreak_days").cast("double")))
        .withColumn(FALSE_ALARM_RATE, try_divide(col("false_alarms").cast("double"),
            col("days").minus(col("outbreak_days")).cast("double")))
        .orderBy("location_id");
  }

  /**
   * For the metadata: locations, how many had an outbreak, the median and range of sensitivity
   * and false-alarm rate across locations, and the five locations with the lowest sensitivity.
   */
  public static Map<String, Object> summary(Dataset<Row> byLocation) {
    Row row = byLocation.agg(count(lit(1)), count(col(SENSITIVITY)),
        expr("percentile(" + SENSITIVITY + ", 0.5)"), min(SENSITIVITY),
        expr("percentile(" + FALSE_ALARM_RATE + ", 0.5)"), max(FALSE_ALARM_RATE)).first();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("table", TABLE);
    summary.put("locations", row.getLong(0));
    summary.put("locations_with_outbreaks", row.getLong(1));
    summary.put("sensitivity_median", nullable(row, 2));
    summary.put("sensitivity_min", nullable(row, 3));
    summary.put("false_alarm_rate_median", nullable(row, 4));
    summary.put("false_alarm_rate_max", nullable(row, 5));
    List<Map<String, Object>> lowest = byLocation.filter(col(SENSITIVITY).isNotNull())
        .orderBy(col(SENSITIVITY), col("outbreak_days").desc(), col("location_id")).limit(5).collectAsList().stream()
        .map(AlertPerformance::entry)
        .toList();
    summary.put("lowest_sensitivity", lowest);
    return summary;
  }

  /** The levels {@link #byLevel} reports. */
  static final double[] LEVELS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};

  /**
   * The trade-off an officer picks {@code pipeline.predict.risk-levels.high} from: for alerts at
   * each of {@link #LEVELS} (a score at or above it), over all backtest rows, the share of days
   * alerted, sensitivity, false-alarm rate and precision (null where undefined). One aggregate.
   */
  public static List<Map<String, Object>> byLevel(Dataset<Row> scored) {
    Column outbreak = col(Features.RISK_LABEL).equalTo(1.0);
    List<Column> sums = new java.util.ArrayList<>(List.of(count(lit(1)), sum(when(outbreak, 1).otherwise(0))));
    for (double level : LEVELS) {
      Column alert = col(RiskModel.SCORE).geq(level);
      sums.add(sum(when(alert, 1).otherwise(0)));
      sums.add(sum(when(alert.and(outbreak), 1).otherwise(0)));
    }
    Row row = scored.agg(sums.get(0), sums.subList(1, sums.size()).toArray(new Column[0])).first();
    double days = row.getLong(0);
    double outbreaks = row.isNullAt(1) ? 0 : row.getLong(1);
    List<Map<String, Object>> levels = new java.util.ArrayList<>();
    for (int i = 0; i < LEVELS.length; i++) {
      double alerts = row.isNullAt(2 + 2 * i) ? 0 : row.getLong(2 + 2 * i);
      double caught = row.isNullAt(3 + 2 * i) ? 0 : row.getLong(3 + 2 * i);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("level", LEVELS[i]);
      entry.put("alert_rate", days > 0 ? alerts / days : null);
      entry.put(SENSITIVITY, outbreaks > 0 ? caught / outbreaks : null);
      entry.put(FALSE_ALARM_RATE, days - outbreaks > 0 ? (alerts - caught) / (days - outbreaks) : null);
      entry.put("precision", alerts > 0 ? caught / alerts : null);
      levels.add(entry);
    }
    return levels;
  }

  private static Map<String, Object> entry(Row row) {
    Map<String, Object> entry = new LinkedHashMap<>();
    for (String field : List.of("location_id", "outbreak_days", "caught", SENSITIVITY, FALSE_ALARM_RATE)) {
      entry.put(field, row.getAs(field));
    }
    return entry;
  }

  private static Double nullable(Row row, int i) {
    return row.isNullAt(i) ? null : row.getDouble(i);
  }
}
