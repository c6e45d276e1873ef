package org.climatehealth.pipeline.transform;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.unix_date;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.climatehealth.pipeline.dataset.DailyLocation;
import org.climatehealth.pipeline.dataset.RawDataset;

/**
 * Builds the {@code daily_location} table of CONTRACT §6 from the four cleaned tables (schemas:
 * {@link RawDataset#cleanSchema()}).
 *
 * <p>Every method is a pure {@code Dataset<Row> -> Dataset<Row>} function made of Spark SQL
 * built-ins: no I/O, no actions, no UDFs. {@link #build} composes the steps; each step is public so
 * tests (and other jobs) can call it on its own:
 * <ol>
 *   <li>{@link #spine}: one row per known location and date present in climate or health;</li>
 *   <li>{@link #withClimate}: the day's climate values and {@code temperature_mean_c};</li>
 *   <li>{@link #withRollingClimate}: 7-calendar-day rolling rainfall sum and max-temperature mean;</li>
 *   <li>{@link #healthTotals}: totals over all diseases and one {@code cases_<disease>} column per
 *       configured disease;</li>
 *   <li>{@link #capacityAsOf}: each hospital's latest report on or before the date, summed over
 *       the location;</li>
 *   <li>{@link #withRates} and {@link #withMonth}: per-100k figures, occupancy and the partition
 *       column.</li>
 * </ol>
 * Rolling features look back over the whole input, so restrict a run to a date range with
 * {@link #restrictToMonths} after {@link #build}, never by filtering the inputs first.
 */
public final class DailyLocationTable {
  // Input columns: decided in RawDataset, checked against it when this class loads.
  private static final String LOCATION_ID = input("location_id", RawDataset.LOCATIONS, RawDataset.CLIMATE,
      RawDataset.HEALTH, RawDataset.HOSPITAL);
  private static final String DATE = input("date", RawDataset.CLIMATE, RawDataset.HEALTH);
  private static final String POPULATION = input("population", RawDataset.LOCATIONS);
  private static final String TEMPERATURE_MAX = input("temperature_max_c", RawDataset.CLIMATE);
  private static final String TEMPERATURE_MIN = input("temperature_min_c", RawDataset.CLIMATE);
  private static final String RAINFALL = input("rainfall_mm", RawDataset.CLIMATE);
  private static final String DISEASE = input("disease", RawDataset.HEALTH);
  private static final String CASES = input("cases", RawDataset.HEALTH);
  private static final String DEATHS = input("deaths", RawDataset.HEALTH);
  private static final String HOSPITALIZATIONS = input("hospitalizations", RawDataset.HEALTH);
  private static final String REPORT_DATE = input("report_date", RawDataset.HOSPITAL);
  private static final String HOSPITAL_ID = input("hospital_id", RawDataset.HOSPITAL);
  private static final String TOTAL_BEDS_REPORTED = input("total_beds", RawDataset.HOSPITAL);
  private static final String ICU_BEDS_REPORTED = input("icu_beds", RawDataset.HOSPITAL);
  private static final String OCCUPIED_BEDS_REPORTED = input("occupied_beds", RawDataset.HOSPITAL);

  // Output columns: decided in DailyLocation, checked against it when this class loads.
  private static final String TEMPERATURE_MEAN = output("temperature_mean_c");
  private static final String RAINFALL_7D = output("rainfall_7d_mm");
  private static final String TEMPERATURE_MAX_7D_MEAN = output("temperature_max_7d_mean_c");
  private static final String CASES_TOTAL = output("cases_total");
  private static final String DEATHS_TOTAL = output("deaths_total");
  private static final String HOSPITALIZATIONS_TOTAL = output("hospitalizations_total");
  private static final String CASES_PER_100K = output("cases_per_100k");
  private static final String TOTAL_BEDS = output("total_beds");
  private static final String ICU_BEDS = output("icu_beds");
  private static final String OCCUPIED_BEDS = output("occupied_beds");
  private static final String BED_OCCUPANCY_RATE = output("bed_occupancy_rate");
  private static final String BEDS_PER_100K = output("beds_per_100k");

  /** Column of {@link #hospitalIntervals}: the first day a report is valid (its report date). */
  public static final String VALID_FROM = "valid_from";
  /** Column of {@link #hospitalIntervals}: the first day a report is no longer valid; null if latest. */
  public static final String VALID_UNTIL = "valid_until";

  /** Length of the rolling window in calendar days, the date itself included. */
  public static final int ROLLING_DAYS = 7;

  private static final String[] KEYS = {LOCATION_ID, DATE};
  private static final String EPOCH_DAY = "__epoch_day";
  private static final String IS_KEY = "__is_key";
  private static final String REPORTS = "__reports";

  private DailyLocationTable() {}

  /**
   * The whole table: exactly {@link DailyLocation#columns(List) DailyLocation.columns(diseases)},
   * in that order.
   *
   * @param diseases the configured diseases, one {@code cases_<disease>} column each; spelled as
   *     in the cleaned health table (lower case); no duplicates
   */
  public static Dataset<Row> build(Dataset<Row> locations, Dataset<Row> climate, Dataset<Row> health,
      Dataset<Row> hospital, List<String> diseases) {
    requireDistinct(diseases);
    // every later step groups, windows or joins on location_id (and more): one shuffle per input
    Dataset<Row> climateByLocation = climate.repartition(col(LOCATION_ID));
    Dataset<Row> healthByLocation = health.repartition(col(LOCATION_ID));
    Dataset<Row> spine = spine(locations, climateByLocation, healthByLocation);
    Dataset<Row> daily = withRollingClimate(withClimate(spine, climateByLocation))
        .join(healthTotals(healthByLocation, diseases), KEYS, "left")
        .join(capacityAsOf(spine, hospital.repartition(col(LOCATION_ID))), KEYS, "left");
    return withMonth(withRates(daily)).select(columns(DailyLocation.columns(diseases)));
  }

  /**
   * One row per (location_id, date) present in climate or health, for known locations only,
   * with the location's attributes: {@code location_id, date}, then the other location columns.
   */
  public static Dataset<Row> spine(Dataset<Row> locations, Dataset<Row> climate, Dataset<Row> health) {
    Dataset<Row> keys = climate.select(LOCATION_ID, DATE)
        .union(health.select(LOCATION_ID, DATE))
        .distinct();
    return keys.join(broadcast(locations), new String[] {LOCATION_ID}, "inner");
  }

  /**
   * Adds the day's climate values (null when the day has no climate row) and
   * {@code temperature_mean_c} = (max + min) / 2, null when either is null.
   *
   * @param spine one row per (location_id, date), as from {@link #spine}
   */
  public static Dataset<Row> withClimate(Dataset<Row> spine, Dataset<Row> climate) {
    return spine.join(climate, KEYS, "left")
        .withColumn(TEMPERATURE_MEAN, col(TEMPERATURE_MAX).plus(col(TEMPERATURE_MIN)).divide(lit(2.0)));
  }

  /**
   * Adds {@code rainfall_7d_mm} (sum of {@code rainfall_mm}) and {@code temperature_max_7d_mean_c}
   * (mean of {@code temperature_max_c}) over the {@value #ROLLING_DAYS} calendar days ending on each
   * row's date, per location. The window is a range over the date, not a count of rows: days
   * without a row, or with a null value, contribute nothing, and a gap in the data is never bridged.
   * A result is null when its window holds no value.
   *
   * <p>Rows without climate values (health-only days) get the features of their window too, which
   * is why this runs on the whole spine: {@code daily} needs one row per (location_id, date) with
   * at least the columns {@code location_id, date, rainfall_mm, temperature_max_c}, and must hold
   * every climate row.
   */
  public static Dataset<Row> withRollingClimate(Dataset<Row> daily) {
    WindowSpec lastDays = Window.partitionBy(LOCATION_ID)
        .orderBy(col(EPOCH_DAY))
        .rangeBetween(-(ROLLING_DAYS - 1), Window.currentRow());
    return daily.withColumn(EPOCH_DAY, unix_date(col(DATE)))
        .withColumn(RAINFALL_7D, sum(col(RAINFALL)).over(lastDays))
        .withColumn(TEMPERATURE_MAX_7D_MEAN, avg(col(TEMPERATURE_MAX)).over(lastDays))
        .drop(EPOCH_DAY);
  }

  /**
   * Health per (location_id, date) that has health rows: {@code cases_total, deaths_total,
   * hospitalizations_total} summed over all diseases (configured or not; deaths and
   * hospitalizations: sum of non-null values, null when all are null), then one
   * {@code cases_<disease>} per configured disease, in the given order, 0 when that disease has no
   * row that day. Dates without any health row are absent (they become null in {@link #build}).
   *
   * <p>One aggregation: the per-disease columns are conditional sums beside the totals (no pivot,
   * no second aggregation and join, no pass to find the distinct diseases).
   */
  public static Dataset<Row> healthTotals(Dataset<Row> health, List<String> diseases) {
    requireDistinct(diseases);
    List<Column> aggregates = new ArrayList<>(List.of(
        sum(CASES).as(CASES_TOTAL),
        sum(DEATHS).as(DEATHS_TOTAL),
        sum(HOSPITALIZATIONS).as(HOSPITALIZATIONS_TOTAL)));
    // every key here has health rows, so a disease without a row that day had 0 cases
    for (String disease : diseases) {
      aggregates.add(coalesce(sum(when(col(DISEASE).equalTo(lit(disease)), col(CASES))), lit(0L))
          .as(DailyLocation.casesColumn(disease)));
    }
    return health.groupBy(LOCATION_ID, DATE)
        .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new));
  }

  /**
   * Each hospital report as a validity interval [{@code valid_from}, {@code valid_until}): from its
   * report date until the hospital's next report date, open-ended (null) for its latest report.
   * Columns: {@code hospital_id, location_id, valid_from, valid_until, total_beds, icu_beds,
   * occupied_beds}.
   */
  public static Dataset<Row> hospitalIntervals(Dataset<Row> hospital) {
    WindowSpec byHospital = Window.partitionBy(HOSPITAL_ID).orderBy(REPORT_DATE);
    return hospital.select(
        col(HOSPITAL_ID),
        col(LOCATION_ID),
        col(REPORT_DATE).as(VALID_FROM),
        lead(col(REPORT_DATE), 1).over(byHospital).as(VALID_UNTIL),
        col(TOTAL_BEDS_REPORTED),
        col(ICU_BEDS_REPORTED),
        col(OCCUPIED_BEDS_REPORTED));
  }

  /**
   * Hospital capacity as of each (location_id, date) of {@code keys}: for every hospital of the
   * location, its latest report dated on or before the date, summed over those hospitals
   * ({@code total_beds, icu_beds, occupied_beds}; sums of non-null values). Keys where no hospital
   * of the location had reported yet are absent (null capacity in {@link #build}).
   *
   * <p>A running sum, linear in keys plus reports: each report ({@link #hospitalIntervals}) adds
   * its values to its location on its report date and takes them back on the hospital's next
   * report date; the keys join that stream of changes, and a window per location sums the changes
   * up to each date (also counting, per column, the hospitals with a value, so that a sum over
   * none is null). Joining each key to the location's reports and filtering on the interval was
   * quadratic: every date of a location met every report of it (the stage that held it went from
   * 18 s to 10 s on 250 locations x 3650 days, and the gap grows with the reports per location).
   *
   * @param keys rows with at least {@code location_id, date}, unique on them (e.g. the spine)
   */
  public static Dataset<Row> capacityAsOf(Dataset<Row> keys, Dataset<Row> hospital) {
    Dataset<Row> intervals = hospitalIntervals(hospital);
    List<Column> keyRows = new ArrayList<>(List.of(col(LOCATION_ID), col(DATE), lit(1).as(IS_KEY), lit(0L).as(REPORTS)));
    List<Column> opening = new ArrayList<>(List.of(col(LOCATION_ID), col(VALID_FROM).as(DATE), lit(0).as(IS_KEY),
        lit(1L).as(REPORTS)));
    List<Column> closing = new ArrayList<>(List.of(col(LOCATION_ID), col(VALID_UNTIL).as(DATE), lit(0).as(IS_KEY),
        lit(-1L).as(REPORTS)));
    List<Column> perDay = new ArrayList<>(List.of(sum(REPORTS).as(REPORTS)));
    WindowSpec untilThen = Window.partitionBy(LOCATION_ID).orderBy(DATE)
        .rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    List<Column> asOf = new ArrayList<>(List.of(col(LOCATION_ID), col(DATE), col(IS_KEY),
        sum(REPORTS).over(untilThen).as(REPORTS)));
    String[][] capacities = {{TOTAL_BEDS_REPORTED, TOTAL_BEDS}, {ICU_BEDS_REPORTED, ICU_BEDS},
        {OCCUPIED_BEDS_REPORTED, OCCUPIED_BEDS}};
    for (String[] capacity : capacities) {
      Column value = col(capacity[0]);
      String total = "__sum_" + capacity[1];
      String reporting = "__n_" + capacity[1];
      keyRows.add(lit(0L).as(total));
      keyRows.add(lit(0L).as(reporting));
      opening.add(coalesce(value, lit(0L)).cast("long").as(total));
      opening.add(when(value.isNotNull(), lit(1L)).otherwise(lit(0L)).as(reporting));
      closing.add(coalesce(value, lit(0L)).cast("long").multiply(-1).as(total));
      closing.add(when(value.isNotNull(), lit(-1L)).otherwise(lit(0L)).as(reporting));
      perDay.add(sum(total).as(total));
      perDay.add(sum(reporting).as(reporting));
      // a sum over no non-null value is null, as Spark's sum
      asOf.add(when(sum(reporting).over(untilThen).gt(0), sum(total).over(untilThen)).as(capacity[1]));
    }
    perDay.add(max(IS_KEY).as(IS_KEY));
    Dataset<Row> changes = keys.select(keyRows.toArray(Column[]::new))
        .unionByName(intervals.select(opening.toArray(Column[]::new)))
        .unionByName(intervals.where(col(VALID_UNTIL).isNotNull()).select(closing.toArray(Column[]::new)));
    return changes.groupBy(LOCATION_ID, DATE)
        .agg(perDay.get(0), perDay.subList(1, perDay.size()).toArray(Column[]::new))
        .select(asOf.toArray(Column[]::new))
        .where(col(IS_KEY).equalTo(1).and(col(REPORTS).gt(0)))
        .select(LOCATION_ID, DATE, TOTAL_BEDS, ICU_BEDS, OCCUPIED_BEDS);
  }

  /**
   * Adds {@code cases_per_100k} = cases_total / population × 100000,
   * {@code bed_occupancy_rate} = occupied_beds / total_beds and
   * {@code beds_per_100k} = total_beds / population × 100000 (doubles). A ratio is null when its
   * numerator is null or its denominator is null or not positive (never a division error).
   */
  public static Dataset<Row> withRates(Dataset<Row> table) {
    return table
        .withColumn(CASES_PER_100K, per100k(col(CASES_TOTAL), col(POPULATION)))
        .withColumn(BED_OCCUPANCY_RATE, ratio(col(OCCUPIED_BEDS), col(TOTAL_BEDS)))
        .withColumn(BEDS_PER_100K, per100k(col(TOTAL_BEDS), col(POPULATION)));
  }

  /** Adds the partition column {@code month}: the month of {@code date} as {@code yyyy-MM}. */
  public static Dataset<Row> withMonth(Dataset<Row> table) {
    return table.withColumn(DailyLocation.MONTH, DailyLocation.month(col(DATE)));
  }

  /**
   * Keeps the rows whose {@code month} lies between {@code from}'s month and {@code to}'s month,
   * both included; a null bound leaves that side open. Apply to the built table (rolling features
   * need the earlier days); on a table read back from the processed store the filter prunes
   * month partitions.
   *
   * @throws IllegalArgumentException when both bounds are given and {@code from} is after {@code to}
   */
  public static Dataset<Row> restrictToMonths(Dataset<Row> table, LocalDate from, LocalDate to) {
    if (from != null && to != null && from.isAfter(to)) {
      throw new IllegalArgumentException("date range is empty: from " + from + " is after to " + to);
    }
    Dataset<Row> kept = table;
    if (from != null) {
      kept = kept.filter(col(DailyLocation.MONTH).geq(lit(month(from))));
    }
    if (to != null) {
      kept = kept.filter(col(DailyLocation.MONTH).leq(lit(month(to))));
    }
    return kept;
  }

  private static String month(LocalDate date) {
    YearMonth month = YearMonth.from(date);
    return String.format("%04d-%02d", month.getYear(), month.getMonthValue());
  }

  private static Column per100k(Column count, Column population) {
    return when(population.gt(0), count.multiply(lit(100_000.0)).divide(population));
  }

  private static Column ratio(Column numerator, Column denominator) {
    return when(denominator.gt(0), numerator.cast("double").divide(denominator));
  }

  private static Column[] columns(List<String> names) {
    return names.stream().map(DailyLocationTable::quoted).map(org.apache.spark.sql.functions::col)
        .toArray(Column[]::new);
  }

  /** A column name as a reference that takes dots and spaces literally. */
  private static String quoted(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  private static void requireDistinct(List<String> diseases) {
    Objects.requireNonNull(diseases, "diseases");
    Set<String> seen = new HashSet<>();
    for (String disease : diseases) {
      if (disease == null || disease.isBlank()) {
        throw new IllegalArgumentException("a configured disease name is empty: " + diseases);
      }
      if (!seen.add(disease)) {
        throw new IllegalArgumentException("disease '" + disease + "' is configured twice: " + diseases);
      }
    }
  }

  private static String input(String name, RawDataset... datasets) {
    for (RawDataset dataset : datasets) {
      if (!dataset.columnNames().contains(name)) {
        throw new IllegalStateException(dataset.tableName() + " has no column " + name);
      }
    }
    return name;
  }

  private static String output(String name) {
    if (!DailyLocation.LEADING_COLUMNS.contains(name) && !DailyLocation.TRAILING_COLUMNS.contains(name)) {
      throw new IllegalStateException(DailyLocation.class.getSimpleName() + " has no column " + name);
    }
    return name;
  }
}
