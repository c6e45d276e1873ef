package org.climatehealth.pipeline.validate;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.climatehealth.pipeline.dataset.ColumnType;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;
import org.climatehealth.pipeline.ingest.RawReader;

/**
 * Row validation of CONTRACT §5 as pure Dataset transformations over raw string rows (from
 * {@link RawReader}). Each row ends with one {@link #STATUS}: {@code valid}, {@code quarantined}
 * (with {@link #REASON} and {@link #DETAIL}) or {@code collapsed} (an exact duplicate of a valid
 * row). Checks apply in {@link ReasonCode} order; the first that applies is the row's reason.
 */
public final class Validation {
  public static final String REASON = "_reason";
  public static final String DETAIL = "_detail";
  public static final String STATUS = "_status";
  public static final String VALID = "valid";
  public static final String QUARANTINED = "quarantined";
  public static final String COLLAPSED = "collapsed";

  private static final String TYPED_PREFIX = "_v_";

  private Validation() {}

  /** The internal name of a column's parsed value. */
  public static String typed(String column) {
    return TYPED_PREFIX + column;
  }

  /**
   * Parses every contract column and applies the row-level checks (malformed, missing, dates,
   * numbers, ranges): adds the parsed values and {@link #REASON}/{@link #DETAIL} (null when none).
   */
  public static Dataset<Row> checkRows(Dataset<Row> raw, RawDataset dataset) {
    // each value is cleaned and parsed once, into its own column; the checks only compare columns
    List<Column> trimmed = new ArrayList<>();
    for (String name : raw.columns()) {
      trimmed.add(col(quote(name)));
    }
    for (RawDataset.Column column : dataset.columns()) {
      trimmed.add(Values.present(col(column.name())).as(present(column.name())));
    }
    List<Column> typed = new ArrayList<>();
    for (String name : raw.columns()) {
      typed.add(col(quote(name)));
    }
    for (RawDataset.Column column : dataset.columns()) {
      typed.add(col(present(column.name())));
      typed.add(Values.parse(col(present(column.name())), column.type()).as(typed(column.name())));
    }
    Dataset<Row> withValues = raw.select(trimmed.toArray(Column[]::new)).select(typed.toArray(Column[]::new));

    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, col(RawReader.FIELDS_MISSING),
        concat(lit("fewer fields than the "), col(RawReader.FIELD_COUNT).cast(DataTypes.StringType),
            lit(" of the header"))));
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, col(RawReader.FIELDS_EXTRA),
        concat(lit("more fields than the "), col(RawReader.FIELD_COUNT).cast(DataTypes.StringType),
            lit(" of the header"))));
    for (RawDataset.Column column : dataset.columns()) {
      if (column.required()) {
        rules.add(new Rule(ReasonCode.MISSING_REQUIRED, col(present(column.name())).isNull(),
            lit(column.name() + " is missing")));
      }
    }
    for (ReasonCode reason : List.of(ReasonCode.BAD_DATE, ReasonCode.BAD_NUMBER)) {
      for (RawDataset.Column column : dataset.columns()) {
        boolean date = column.type() == ColumnType.DATE;
        boolean number = column.type() == ColumnType.DECIMAL || column.type() == ColumnType.COUNT;
        if ((reason == ReasonCode.BAD_DATE && date) || (reason == ReasonCode.BAD_NUMBER && number)) {
          String expected = date ? " is not a date (yyyy-MM-dd, dd/MM/yyyy, yyyy/MM/dd or dd-MM-yyyy)"
              : column.type() == ColumnType.COUNT ? " is not a whole number" : " is not a number";
          rules.add(new Rule(reason, col(present(column.name())).isNotNull().and(col(typed(column.name())).isNull()),
              concat(lit(column.name() + " '"), col(column.name()), lit("'" + expected))));
        }
      }
    }
    rules.addAll(RangeRules.of(dataset));
    Dataset<Row> checked = withReasons(withValues, rules);
    return checked.drop(dataset.columnNames().stream().map(Validation::present).toArray(String[]::new));
  }

  /** The internal name of a column's trimmed value, null when missing (checks only). */
  private static String present(String column) {
    return "_p_" + column;
  }

  /**
   * Quarantines rows (not already quarantined) whose location id is not among {@code knownIds}
   * (a one-column Dataset of valid location ids, broadcast).
   */
  public static Dataset<Row> checkLocations(Dataset<Row> checked, Dataset<Row> knownIds) {
    Dataset<Row> known = broadcast(knownIds.select(col("location_id").as("_known_id")).distinct());
    Dataset<Row> joined = checked.join(known, col(typed("location_id")).equalTo(col("_known_id")), "left");
    Column unknown = col(REASON).isNull().and(col("_known_id").isNull());
    return joined
        .withColumn(DETAIL, when(unknown, concat(lit("location_id '"), col(typed("location_id")),
            lit("' is not a known location"))).otherwise(col(DETAIL)))
        .withColumn(REASON, when(unknown, lit(ReasonCode.UNKNOWN_LOCATION.name())).otherwise(col(REASON)))
        .drop("_known_id");
  }

  /**
   * Resolves rows that share a key: identical ones (after parsing) collapse to one, differing ones
   * are all quarantined as DUPLICATE_KEY_CONFLICT. Only rows without a reason take part. Adds
   * {@link #STATUS}.
   */
  public static Dataset<Row> resolveDuplicates(Dataset<Row> checked, RawDataset dataset) {
    Column[] key = dataset.key().stream().map(k -> col(typed(k))).toArray(Column[]::new);
    Column[] partition = new Column[key.length + 1];
    System.arraycopy(key, 0, partition, 0, key.length);
    partition[key.length] = col(REASON).isNull();
    WindowSpec group = Window.partitionBy(partition);
    Column values = struct(dataset.columnNames().stream().map(c -> col(typed(c))).toArray(Column[]::new));
    Column conflict = col(REASON).isNull().and(min(values).over(group).eqNullSafe(max(values).over(group)).unary_$bang());
    Column rank = row_number().over(group.orderBy(col(RawReader.SOURCE_FILE), col(dataset.columnNames().get(0))));
    return checked
        .withColumn(DETAIL, when(conflict, lit("rows with this key differ")).otherwise(col(DETAIL)))
        .withColumn(REASON, when(conflict, lit(ReasonCode.DUPLICATE_KEY_CONFLICT.name())).otherwise(col(REASON)))
        .withColumn(STATUS, when(col(REASON).isNotNull(), lit(QUARANTINED))
            .when(rank.gt(1), lit(COLLAPSED))
            .otherwise(lit(VALID)));
  }

  /** The valid rows as the cleaned table: typed columns under their contract names, in contract order. */
  public static Dataset<Row> cleaned(Dataset<Row> resolved, RawDataset dataset) {
    Column[] columns = dataset.columnNames().stream().map(c -> col(typed(c)).as(c)).toArray(Column[]::new);
    return resolved.where(col(STATUS).equalTo(VALID)).select(columns);
  }

  /** The quarantined rows: every raw field as read, then the source file, reason and detail. */
  public static Dataset<Row> quarantined(Dataset<Row> resolved, List<String> rawColumns) {
    List<Column> columns = new ArrayList<>();
    for (String name : rawColumns) {
      columns.add(col(quote(name)));
    }
    columns.add(col(RawReader.SOURCE_FILE));
    columns.add(col(REASON));
    columns.add(col(DETAIL));
    return resolved.where(col(STATUS).equalTo(QUARANTINED)).select(columns.toArray(Column[]::new));
  }

  private static Dataset<Row> withReasons(Dataset<Row> rows, List<Rule> rules) {
    Column reason = null;
    Column detail = null;
    for (Rule rule : rules) {
      Column hit = rule.violated();
      reason = reason == null ? when(hit, lit(rule.reason().name())) : reason.when(hit, lit(rule.reason().name()));
      detail = detail == null ? when(hit, rule.detail()) : detail.when(hit, rule.detail());
    }
    return rows.withColumn(REASON, reason).withColumn(DETAIL, detail);
  }

  static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
