package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.cos;
import static org.apache.spark.sql.functions.dayofyear;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.date_add;
import static org.apache.spark.sql.functions.try_divide;
import static org.apache.spark.sql.functions.try_element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.log;
import static org.apache.spark.sql.functions.log1p;
import static org.apache.spark.sql.functions.map_from_entries;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.sin;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_date;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;

/**
 * Model features and labels from {@code daily_location} (CONTRACT §6), as pure Spark SQL
 * transformations.
 *
 * <p><b>No look-ahead.</b> {@link #asOf} computes every feature of a (location, date) row from
 * that location's rows on or before the date only: windows over calendar days that end at the
 * current row. Labels ({@link #withRiskLabel}, {@link #forecastRows} with labels) look forward and
 * are only ever used for training and evaluation.
 *
 * <p>Windows are over calendar days (epoch-day ranges), so gaps in the data are not bridged: "the
 * last 7 days" are the 7 calendar days ending on the date, whatever rows exist in them.
 */
public final class Features {
  /** The day number (days since 1970-01-01) of a row's date. */
  public static final String EPOCH_DAY = "epoch_day";

  public static final String CASES_7D = "cases_7d";
  public static final String CASES_PREV_7D = "cases_prev_7d";
  public static final String CASES_28D = "cases_28d";
  public static final String HEALTH_DAYS_7D = "health_days_7d";
  public static final String HEALTH_DAYS_28D = "health_days_28d";
  public static final String INCIDENCE_7D = "incidence_7d_per_100k";
  public static final String INCIDENCE_28D = "incidence_28d_per_100k";
  public static final String CASES_TREND = "cases_trend_log";
  public static final String RAINFALL_28D = "rainfall_28d_mm";
  public static final String HEAT_DAYS_7D = "heat_days_7d";
  public static final String AQI_7D_MEAN = "air_quality_index_7d_mean";
  public static final String SEASON_SIN = "season_sin";
  public static final String SEASON_COS = "season_cos";
  public static final String LOG_POPULATION = "log_population";
  /** Share of cases admitted to hospital over the last 28 days (null without cases). */
  public static final String HOSPITALISATION_SHARE = "hospitalisation_share_28d";
  /** Cases per day of each of the last 7 days, keyed by epoch day (a map; for the forecast rows). */
  public static final String RECENT_CASES = "recent_cases";

  /** Risk label: the next 7 days' cases (all 7 days reported), their incidence, and whether it exceeds the threshold. */
  public static final String FUTURE_CASES_7D = "future_cases_7d";
  public static final String FUTURE_INCIDENCE_7D = "future_incidence_7d_per_100k";
  public static final String RISK_LABEL = "label_high_incidence";

  /** Forecast rows: the horizon, the target date and its cases (the label). */
  public static final String HORIZON = "horizon_days";
  public static final String TARGET_DATE = "target_date";
  public static final String TARGET_CASES = "target_cases";
  /** Cases on the target date one week earlier: the seasonal-naive forecast, also a feature. */
  public static final String SAME_DAY_LAST_WEEK = "cases_same_day_last_week";
  /** {@link #SAME_DAY_LAST_WEEK}, or the last 7 days' mean when that day was not reported. */
  public static final String SAME_DAY_LAST_WEEK_FILLED = "cases_same_day_last_week_filled";
  public static final String CASES_7D_MEAN = "cases_7d_mean";
  public static final String SAME_DAY_LAST_WEEK_PER_100K = "same_day_last_week_per_100k";
  public static final String CASES_7D_MEAN_PER_100K = "cases_7d_mean_per_100k";

  /** Why a row cannot be scored: the reason column, null when it can. */
  public static final String MISSING_REASON = "missing_features";

  /**
   * Risk features, in assembly order. Climate and capacity gaps are imputed inside the model.
   * {@link Thresholds#VS_THRESHOLD} comes from the location's threshold ({@link Thresholds#attach}).
   */
  public static final List<String> RISK_FEATURES = List.of(
      INCIDENCE_7D, Thresholds.VS_THRESHOLD, INCIDENCE_28D, CASES_TREND, HEALTH_DAYS_7D,
      "temperature_max_c", "temperature_mean_c", "humidity_pct", "rainfall_mm", "air_quality_index",
      "rainfall_7d_mm", "temperature_max_7d_mean_c", RAINFALL_28D, HEAT_DAYS_7D, AQI_7D_MEAN,
      SEASON_SIN, SEASON_COS, LOG_POPULATION, "bed_occupancy_rate", "beds_per_100k");

  /** Features that may be missing on a day and are imputed (training means) by the model. */
  public static final List<String> IMPUTED = List.of(
      "temperature_max_c", "temperature_mean_c", "humidity_pct", "rainfall_mm", "air_quality_index",
      "rainfall_7d_mm", "temperature_max_7d_mean_c", RAINFALL_28D, HEAT_DAYS_7D, AQI_7D_MEAN,
      "bed_occupancy_rate", "beds_per_100k");

  /** Forecast features (per 100k where a count), in assembly order. */
  public static final List<String> FORECAST_FEATURES = List.of(
      HORIZON, SAME_DAY_LAST_WEEK_PER_100K, CASES_7D_MEAN_PER_100K, INCIDENCE_28D, CASES_TREND,
      "temperature_max_c", "temperature_mean_c", "humidity_pct", "rainfall_mm", "air_quality_index",
      "rainfall_7d_mm", "temperature_max_7d_mean_c", RAINFALL_28D, HEAT_DAYS_7D, AQI_7D_MEAN,
      SEASON_SIN, SEASON_COS, LOG_POPULATION);

  /** Length of the longest look-back window, in days: what scoring a date needs before it. */
  public static final int LOOKBACK_DAYS = 28;

  private static final String LOCATION_ID = "location_id";
  private static final String DATE = "date";
  private static final String CASES = "cases_total";
  private static final String POPULATION = "population";
  private static final double PER_100K = 100_000.0;

  private Features() {}

  /** Calendar-day window of one location from {@code from} to {@code to} days relative to the row. */
  private static WindowSpec days(long from, long to) {
    return Window.partitionBy(LOCATION_ID).orderBy(EPOCH_DAY).rangeBetween(from, to);
  }

  /**
   * Adds every feature of {@link #RISK_FEATURES} and {@link #FORECAST_FEATURES}' inputs, the
   * hospitalisation share, {@link #RECENT_CASES} and {@link #MISSING_REASON}, from rows on or
   * before each row's date only.
   */
  public static Dataset<Row> asOf(Dataset<Row> daily) {
    Column cases = col(CASES);
    Column population = col(POPULATION).cast("double");
    WindowSpec last7 = days(-6, 0);
    WindowSpec last28 = days(-27, 0);
    Dataset<Row> withWindows = daily
        .withColumn(EPOCH_DAY, unix_date(col(DATE)))
        .withColumn(CASES_7D, sum(cases).over(last7))
        .withColumn(HEALTH_DAYS_7D, count(cases).over(last7))
        .withColumn(CASES_PREV_7D, sum(cases).over(days(-13, -7)))
        .withColumn("__health_days_prev_7d", count(cases).over(days(-13, -7)))
        .withColumn(CASES_28D, sum(cases).over(last28))
        .withColumn(HEALTH_DAYS_28D, count(cases).over(last28))
        .withColumn("__hospitalizations_28d", sum(col("hospitalizations_total")).over(last28))
        .withColumn(RAINFALL_28D, sum(col("rainfall_mm")).over(last28))
        // days over 40 °C among the days with a temperature; missing (not 0) when none had one
        .withColumn(HEAT_DAYS_7D, when(count(col("temperature_max_c")).over(last7).gt(0),
            sum(when(col("temperature_max_c").gt(40), 1).otherwise(0)).over(last7)))
        .withColumn(AQI_7D_MEAN, avg(col("air_quality_index")).over(last7))
        .withColumn(RECENT_CASES, map_from_entries(collect_list(struct(col(EPOCH_DAY), cases)).over(last7)));
    // ANSI mode: every division is try_divide (null, not an error, on a zero denominator)
    Column perDay7 = try_divide(col(CASES_7D), col(HEALTH_DAYS_7D));
    Column perDayPrevious7 = try_divide(col(CASES_PREV_7D), col("__health_days_prev_7d"));
    Column perDay28 = try_divide(col(CASES_28D), col(HEALTH_DAYS_28D));
    Column seasonAngle = dayofyear(col(DATE)).cast("double").multiply(2 * Math.PI / 365.25);
    return withWindows
        // per-day means over the days reported, so a missed report does not look like a drop
        .withColumn(CASES_7D_MEAN, perDay7)
        .withColumn(INCIDENCE_7D, try_divide(perDay7.multiply(7 * PER_100K), population))
        .withColumn(INCIDENCE_28D, try_divide(perDay28.multiply(7 * PER_100K), population))
        // log change of the daily mean against the week before; 0 when that week was not reported
        .withColumn(CASES_TREND, coalesce(log1p(perDay7).minus(log1p(perDayPrevious7)), lit(0.0)))
        .withColumn(HOSPITALISATION_SHARE, try_divide(col("__hospitalizations_28d").cast("double"), col(CASES_28D)))
        .withColumn(SEASON_SIN, sin(seasonAngle))
        .withColumn(SEASON_COS, cos(seasonAngle))
        .withColumn(LOG_POPULATION, log(population))
        .withColumn(MISSING_REASON, missingReason())
        .drop("__hospitalizations_28d", "__health_days_prev_7d");
  }

  /** Why a row cannot be scored, or null: the case history and the population are required. */
  private static Column missingReason() {
    Column noPopulation = col(POPULATION).isNull().or(col(POPULATION).leq(0));
    Column noRecentCases = col(HEALTH_DAYS_7D).equalTo(0);
    List<Column> reasons = new ArrayList<>();
    reasons.add(when(noPopulation, lit("population unknown")));
    reasons.add(when(noRecentCases, lit("no case report in the 7 days up to the date")));
    Column joined = concat_ws("; ", reasons.toArray(new Column[0]));
    return when(joined.equalTo(""), lit(null).cast("string")).otherwise(joined);
  }

  /**
   * Adds what the risk label looks forward to, from the 7 days after each row:
   * {@link #FUTURE_CASES_7D} when all 7 days were reported (null otherwise: the label is unknown)
   * and {@link #FUTURE_INCIDENCE_7D}, those cases per 100k people. {@link Thresholds#label} turns
   * it into the label. Used for training and evaluation only.
   */
  public static Dataset<Row> withFutureIncidence(Dataset<Row> features) {
    WindowSpec next7 = days(1, 7);
    Column future = when(count(col(CASES)).over(next7).equalTo(7), sum(col(CASES)).over(next7));
    return features.withColumn(FUTURE_CASES_7D, future)
        .withColumn(FUTURE_INCIDENCE_7D, try_divide(col(FUTURE_CASES_7D).multiply(PER_100K), col(POPULATION).cast("double")));
  }

  /**
   * One row per feature row and horizon 1–7: {@link #HORIZON}, {@link #TARGET_DATE},
   * {@link #SAME_DAY_LAST_WEEK} (the target date's cases a week earlier, known on the issue date),
   * the per-100k forecast features, and, with {@code labelled}, {@link #TARGET_CASES} (null when
   * the target date was not reported).
   */
  public static Dataset<Row> forecastRows(Dataset<Row> features, boolean labelled) {
    Dataset<Row> base = features;
    if (labelled) {
      base = base.withColumn("__future_cases",
          map_from_entries(collect_list(struct(col(EPOCH_DAY), col(CASES))).over(days(1, 7))));
    }
    Column horizon = col(HORIZON);
    Column population = col(POPULATION).cast("double");
    Dataset<Row> rows = base
        .withColumn(HORIZON, explode(sequence(lit(1), lit(7))))
        .withColumn(TARGET_DATE, date_add(col(DATE), horizon))
        .withColumn(SAME_DAY_LAST_WEEK,
            try_element_at(col(RECENT_CASES), col(EPOCH_DAY).plus(horizon).minus(7)).cast("double"))
        .withColumn(SAME_DAY_LAST_WEEK_FILLED, coalesce(col(SAME_DAY_LAST_WEEK), col(CASES_7D_MEAN)))
        .withColumn(SAME_DAY_LAST_WEEK_PER_100K, try_divide(col(SAME_DAY_LAST_WEEK_FILLED).multiply(PER_100K), population))
        .withColumn(CASES_7D_MEAN_PER_100K, try_divide(col(CASES_7D_MEAN).multiply(PER_100K), population))
        .withColumn(HORIZON, horizon.cast("double"));
    if (labelled) {
      rows = rows.withColumn(TARGET_CASES,
              try_element_at(col("__future_cases"), col(EPOCH_DAY).plus(horizon.cast("int"))).cast("double"))
          .drop("__future_cases");
    }
    return rows;
  }
}
