package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_distinct;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.stddev_samp;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.weekday;
import static org.apache.spark.sql.functions.weekofyear;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.year;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.climatehealth.pipeline.config.ModelSettings;
import org.climatehealth.pipeline.config.ModelSettings.ThresholdRule;

/**
 * The risk label's outbreak threshold: what "the next 7 days' incidence is unusual" means for a
 * location, the way surveillance systems set it (the endemic channel of WHO EWARS and many
 * national systems).
 *
 * <p><b>Seasonal</b> (the default): for each location and ISO week of year, the mean plus
 * {@code sd} standard deviations of the next-7-day incidence per 100k of the location's training
 * dates in that week, when those dates come from at least {@code min-years} years. A week with
 * fewer years falls back to the location's {@code fallback-quantile} over all its training dates
 * (so a location with one year of history gets one threshold for the year). Thresholds are fitted
 * on training dates only and saved with the model version; {@code predict} scores against them
 * unchanged. A location the model never saw is scored against the absolute figure.
 *
 * <p><b>Absolute</b>: {@code incidence-threshold-per-100k} for every location and week.
 *
 * <p>The label is strict: incidence above the threshold.
 */
public final class Thresholds {
  /** The threshold a row was labelled and scored against (per 100k over 7 days). */
  public static final String COLUMN = "risk_threshold_per_100k";
  /** Which rule gave a threshold: {@link #SEASONAL}, {@link #FALLBACK} or {@link #ABSOLUTE}. */
  public static final String RULE = "threshold_rule";
  /** The ISO-8601 week of year (1-53) of a date. */
  public static final String ISO_WEEK = "iso_week";
  /** A risk feature: how far the last 7 days' incidence is from the threshold, {@code log1p(incidence) - log1p(threshold)}. */
  public static final String VS_THRESHOLD = "incidence_vs_threshold_log";

  public static final String SEASONAL = "seasonal";
  public static final String FALLBACK = "fallback_quantile";
  public static final String ABSOLUTE = "absolute";

  /** The folder of a model version's thresholds table. */
  public static final String TABLE = "thresholds/";

  private static final String LOCATION_ID = "location_id";

  private Thresholds() {}

  /**
   * Fitted thresholds: the rule, the absolute figure (for locations without a row in
   * {@code table}, and for the absolute rule) and, for the seasonal rule, one row per location
   * and ISO week 1-53 ({@code location_id, iso_week, risk_threshold_per_100k, threshold_rule}).
   *
   * @param summary what the report says: locations, how many fell back and why
   */
  public record Fitted(ThresholdRule rule, double absolute, Dataset<Row> table, Map<String, Object> summary) {
    /** Frees the cached table. */
    public void release() {
      if (table != null) {
        table.unpersist();
      }
    }
  }

  /**
   * Fits thresholds on training rows that carry {@link Features#FUTURE_INCIDENCE_7D} (null when
   * unknown; such rows do not count). The seasonal table is cached: release it when done.
   */
  public static Fitted fit(Dataset<Row> training, ModelSettings.Risk settings) {
    if (settings.threshold() == ThresholdRule.ABSOLUTE) {
      return new Fitted(ThresholdRule.ABSOLUTE, settings.incidenceThresholdPer100k(), null,
          Map.of("rule", ABSOLUTE, "threshold_per_100k", settings.incidenceThresholdPer100k()));
    }
    ModelSettings.Seasonal seasonal = settings.seasonal();
    Column value = col(Features.FUTURE_INCIDENCE_7D);
    Dataset<Row> values = training.filter(value.isNotNull())
        .select(col(LOCATION_ID), weekofyear(col("date")).as(ISO_WEEK), isoWeekYear(col("date")).as("iso_year"),
            value.as("v"));
    Dataset<Row> weeks = values.groupBy(LOCATION_ID, ISO_WEEK).agg(
        avg("v").as("mean"), coalesce(stddev_samp("v"), lit(0.0)).as("sd"), count_distinct(col("iso_year")).as("years"));
    Dataset<Row> locations = values.groupBy(LOCATION_ID)
        .agg(expr("percentile(v, " + seasonal.fallbackQuantile() + ")").as("fallback"))
        .withColumn(ISO_WEEK, explode(sequence(lit(1), lit(53))));
    Column seasonalRule = col("years").geq(seasonal.minYears());
    Dataset<Row> table = locations.join(weeks, new String[] {LOCATION_ID, ISO_WEEK}, "left")
        .select(col(LOCATION_ID), col(ISO_WEEK),
            when(seasonalRule, col("mean").plus(col("sd").multiply(seasonal.sd()))).otherwise(col("fallback"))
                .cast(DataTypes.DoubleType).as(COLUMN),
            when(seasonalRule, lit(SEASONAL)).otherwise(lit(FALLBACK)).as(RULE))
        .persist(StorageLevel.MEMORY_AND_DISK());
    return new Fitted(ThresholdRule.SEASONAL, settings.incidenceThresholdPer100k(), table,
        summarise(table, settings));
  }

  /** Locations, weeks that fell back, locations whose every week fell back, the thresholds' range: one small aggregate. */
  private static Map<String, Object> summarise(Dataset<Row> table, ModelSettings.Risk settings) {
    Dataset<Row> byLocation = table.groupBy(LOCATION_ID)
        .agg(sum(when(col(RULE).equalTo(FALLBACK), 1).otherwise(0)).as("fallback_weeks"));
    Row row = byLocation.agg(count(lit(1)), sum("fallback_weeks"),
        sum(when(col("fallback_weeks").equalTo(53), 1).otherwise(0)),
        sum(when(col("fallback_weeks").between(1, 52), 1).otherwise(0))).first();
    Row range = table.agg(min(COLUMN), expr("percentile(" + COLUMN + ", 0.5)"), max(COLUMN)).first();
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("rule", SEASONAL);
    summary.put("sd", settings.seasonal().sd());
    summary.put("min_years", settings.seasonal().minYears());
    summary.put("fallback_quantile", settings.seasonal().fallbackQuantile());
    summary.put("locations", row.getLong(0));
    summary.put("locations_all_weeks_fallback", row.isNullAt(2) ? 0L : row.getLong(2));
    summary.put("locations_some_weeks_fallback", row.isNullAt(3) ? 0L : row.getLong(3));
    summary.put("location_weeks_fallback", row.isNullAt(1) ? 0L : row.getLong(1));
    summary.put("threshold_per_100k_min", range.isNullAt(0) ? null : range.getDouble(0));
    summary.put("threshold_per_100k_median", range.isNullAt(1) ? null : range.getDouble(1));
    summary.put("threshold_per_100k_max", range.isNullAt(2) ? null : range.getDouble(2));
    summary.put("unseen_locations", "scored against the absolute threshold " + settings.incidenceThresholdPer100k());
    return summary;
  }

  /**
   * Adds {@link #COLUMN} (the location's threshold for the row's ISO week; the absolute figure for
   * the absolute rule and for a location without thresholds) and the feature {@link #VS_THRESHOLD}.
   */
  public static Dataset<Row> attach(Dataset<Row> rows, Fitted fitted) {
    return attach(rows, fitted.table(), fitted.absolute());
  }

  /** {@link #attach(Dataset, Fitted)} with a saved table (null for the absolute rule). */
  public static Dataset<Row> attach(Dataset<Row> rows, Dataset<Row> table, double absolute) {
    Dataset<Row> with;
    if (table == null) {
      with = rows.withColumn(COLUMN, lit(absolute));
    } else {
      // one row per location and week: small, so broadcast (no shuffle of the rows)
      with = rows.withColumn(ISO_WEEK, weekofyear(col("date")))
          .join(broadcast(table.select(LOCATION_ID, ISO_WEEK, COLUMN)), new String[] {LOCATION_ID, ISO_WEEK}, "left")
          .drop(ISO_WEEK)
          .withColumn(COLUMN, coalesce(col(COLUMN), lit(absolute)));
    }
    return with.withColumn(VS_THRESHOLD, log1p(col(Features.INCIDENCE_7D)).minus(log1p(col(COLUMN))));
  }

  /** Whether a risk model version's parameters say its thresholds are a seasonal table (saved under {@link #TABLE}). */
  public static boolean savedAsTable(Map<String, Object> parameters) {
    return parameters != null && parameters.get("threshold") instanceof Map<?, ?> threshold
        && SEASONAL.equals(threshold.get("rule"));
  }

  /** The absolute threshold a risk model version was trained with (also used for locations it never saw). */
  public static double savedAbsolute(Map<String, Object> parameters) {
    if (parameters != null && parameters.get("incidence_threshold_per_100k") instanceof Number number) {
      return number.doubleValue();
    }
    throw new IllegalStateException("the risk model's metadata has no incidence_threshold_per_100k parameter");
  }

  /**
   * Adds {@link Features#RISK_LABEL}: 1.0 when the next 7 days' incidence is above the row's
   * threshold, 0.0 when not, null when unknown (not all 7 days reported).
   */
  public static Dataset<Row> label(Dataset<Row> rowsWithThreshold) {
    Column future = col(Features.FUTURE_INCIDENCE_7D);
    return rowsWithThreshold.withColumn(Features.RISK_LABEL,
        when(future.isNotNull(), when(future.gt(col(COLUMN)), lit(1.0)).otherwise(lit(0.0))));
  }

  /** The ISO week-based year of a date: the calendar year of that week's Thursday. */
  static Column isoWeekYear(Column date) {
    return year(date_add(date, lit(3).minus(weekday(date))));
  }
}
