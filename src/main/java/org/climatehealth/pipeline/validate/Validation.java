package org.climatehealth.pipeline.validate;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
 * (with {@link #RULE} and {@link #REASON}) or {@code collapsed} (an exact duplicate of a valid
 * row). Checks apply in {@link ReasonCode} order; the first that applies is the row's reason.
 * Details are worked out from {@link #RULE} for quarantined rows only ({@link #quarantined}).
 */
public final class Validation {
  public static final String REASON = "_reason";
  public static final String DETAIL = "_detail";
  /** The index of the rule that quarantined a row (null when none): its detail is worked out from it. */
  public static final String RULE = "_rule";
  public static final String STATUS = "_status";
  public static final String VALID = "valid";
  public static final String QUARANTINED = "quarantined";
  public static final String COLLAPSED = "collapsed";

  private static final String TYPED_PREFIX = "_v_";
  private static final String CONFLICT = "_conflict";
  private static final String RANK = "_rank";
  private static final String KNOWN_ID = "_known_id";

  private Validation() {}

  /** The internal name of a column's parsed value. */
  public static String typed(String column) {
    return TYPED_PREFIX + column;
  }

  /**
   * Parses every contract column and applies the row-level checks (malformed, missing, dates,
   * numbers, ranges): adds the parsed values, {@link #RULE} and {@link #REASON} (null when none).
   */
  public static Dataset<Row> checkRows(Dataset<Row> raw, RawDataset dataset) {
    return checkRows(raw, dataset, null);
  }

  /**
   * As {@link #checkRows(Dataset, RawDataset)}, and quarantines as UNKNOWN_LOCATION the rows
   * (without an earlier reason) whose location id is not among {@code knownIds} (a one-column
   * Dataset of valid location ids, broadcast); no location check when it is null.
   *
   * <p>The ids are joined to the parsed values before the reasons are worked out, so that the
   * location check is one more rule of the same expression, and no second pass over the reasons.
   */
  public static Dataset<Row> checkRows(Dataset<Row> raw, RawDataset dataset, Dataset<Row> knownIds) {
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
    if (knownIds != null) {
      Dataset<Row> known = broadcast(knownIds.select(col("location_id").as(KNOWN_ID)).distinct());
      withValues = withValues.join(known, col(typed("location_id")).equalTo(col(KNOWN_ID)), "left");
    }

    List<Rule> rules = rules(dataset);
    if (knownIds == null) {
      rules = rules.stream().filter(r -> r.reason() != ReasonCode.UNKNOWN_LOCATION).toList();
    }
    Dataset<Row> checked = withReasons(withValues, rules);
    return checked.drop(dataset.columnNames().stream().map(Validation::present).toArray(String[]::new))
        .drop(KNOWN_ID);
  }

  /**
   * The row checks of a dataset in precedence order (a row gets the first that applies), then
   * UNKNOWN_LOCATION; {@link #resolveDuplicates} adds DUPLICATE_KEY_CONFLICT after them. A rule's
   * condition reads the trimmed and parsed values of {@link #checkRows}; its detail reads only
   * columns that stay in the checked rows (raw and parsed values), so that details are worked out
   * for quarantined rows only, by {@link #quarantined}.
   */
  private static List<Rule> rules(RawDataset dataset) {
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, col(RawReader.NOT_UTF8),
        lit("the line is not valid UTF-8 (another encoding, or binary content)")));
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, col(RawReader.OPEN_QUOTE),
        lit("a quoted field is not closed on this line (a line break inside a quoted field splits the record)")));
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
    rules.add(new Rule(ReasonCode.UNKNOWN_LOCATION, col(KNOWN_ID).isNull(),
          concat(lit("location_id '"), col(typed("location_id")), lit("' is not a known location"))));
    return rules;
  }

  /** The internal name of a column's trimmed value, null when missing (checks only). */
  private static String present(String column) {
    return "_p_" + column;
  }

  /**
   * Resolves rows that share a key: identical ones (after parsing) collapse to one, differing ones
   * are all quarantined as DUPLICATE_KEY_CONFLICT. Only rows without a reason take part. Adds
   * {@link #STATUS}.
   *
   * <p>One window over the key, ordered by source file and first raw column: the rows of a key
   * are identical when, for every non-key column, the values are all null or none is null and
   * their minimum equals their maximum. Scalar minimums and maximums per column, not of one struct
   * of all columns: a struct aggregate over a window is evaluated row by row and cost 4x the time
   * of the rest of the validation on 5.5 M health rows.
   */
  public static Dataset<Row> resolveDuplicates(Dataset<Row> checked, RawDataset dataset) {
    Column[] key = dataset.key().stream().map(k -> col(typed(k))).toArray(Column[]::new);
    Column[] partition = new Column[key.length + 1];
    System.arraycopy(key, 0, partition, 0, key.length);
    partition[key.length] = col(REASON).isNull();
    WindowSpec ordered = Window.partitionBy(partition)
        .orderBy(col(RawReader.SOURCE_FILE), col(quote(dataset.columnNames().get(0))));
    WindowSpec group = ordered.rowsBetween(Window.unboundedPreceding(), Window.unboundedFollowing());
    Column rows = count(lit(1)).over(group);
    Column differ = lit(false);
    for (String name : dataset.columnNames()) {
      if (!dataset.key().contains(name)) {
        Column value = col(typed(name));
        Column present = count(value).over(group);
        differ = differ.or(present.gt(0).and(present.lt(rows).or(min(value).over(group).notEqual(max(value).over(group)))));
      }
    }
    // both window columns in one projection: one window operator, one sort
    Dataset<Row> marked = checked.select(col("*"), col(REASON).isNull().and(differ).as(CONFLICT),
        row_number().over(ordered).as(RANK));
    Column conflict = col(CONFLICT);
    return marked
        .withColumn(RULE, when(conflict, lit(conflictRule(dataset))).otherwise(col(RULE)))
        .withColumn(REASON, when(conflict, lit(ReasonCode.DUPLICATE_KEY_CONFLICT.name())).otherwise(col(REASON)))
        .withColumn(STATUS, when(col(REASON).isNotNull(), lit(QUARANTINED))
            .when(col(RANK).gt(1), lit(COLLAPSED))
            .otherwise(lit(VALID)))
        .drop(CONFLICT, RANK);
  }

  /** The index of DUPLICATE_KEY_CONFLICT in {@link #RULE}: after every row rule. */
  private static int conflictRule(RawDataset dataset) {
    return rules(dataset).size();
  }

  /**
   * The resolved rows as the later steps need them: raw fields and source file only on quarantined
   * rows (null elsewhere), so that a cache of the rows holds little more than the parsed values.
   * {@link #cleaned}, {@link #quarantined} and the accounting give the same results on it.
   */
  public static Dataset<Row> rawOnQuarantinedOnly(Dataset<Row> resolved, List<String> rawColumns) {
    Column quarantined = col(STATUS).equalTo(QUARANTINED);
    Set<String> rawNames = new HashSet<>(rawColumns);
    List<Column> columns = new ArrayList<>();
    for (String name : resolved.columns()) {
      boolean raw = rawNames.contains(name) || name.equals(RawReader.SOURCE_FILE) || name.equals(RawReader.RAW_LINE);
      columns.add(raw ? when(quarantined, col(quote(name))).as(name) : col(quote(name)));
    }
    return resolved.select(columns.toArray(Column[]::new));
  }

  /** The valid rows as the cleaned table: typed columns under their contract names, in contract order. */
  public static Dataset<Row> cleaned(Dataset<Row> resolved, RawDataset dataset) {
    Column[] columns = dataset.columnNames().stream().map(c -> col(typed(c)).as(c)).toArray(Column[]::new);
    return resolved.where(col(STATUS).equalTo(VALID)).select(columns);
  }

  /**
   * The quarantined rows: every raw field as read, then the source file (as the user spells the
   * store: {@code s3://}, {@code file:/}), reason and detail.
   */
  public static Dataset<Row> quarantined(Dataset<Row> resolved, RawDataset dataset, List<String> rawColumns) {
    List<Column> columns = new ArrayList<>();
    // unknown columns of a file with very many of them are not columns of the rows: its lines are
    // kept whole instead (RawReader.RAW_LINE)
    Set<String> present = new HashSet<>(List.of(resolved.columns()));
    for (String name : rawColumns) {
      if (present.contains(name)) {
        columns.add(col(quote(name)));
      }
    }
    if (present.contains(RawReader.RAW_LINE)) {
      columns.add(col(RawReader.RAW_LINE));
    }
    columns.add(RawReader.userSpelling(col(RawReader.SOURCE_FILE)).as(RawReader.SOURCE_FILE));
    columns.add(col(REASON));
    columns.add(detail(dataset).as(DETAIL));
    return resolved.where(col(STATUS).equalTo(QUARANTINED)).select(columns.toArray(Column[]::new));
  }

  /** The detail of a quarantined row, from its {@link #RULE}: why, with the values concerned. */
  public static Column detail(RawDataset dataset) {
    List<Rule> rules = rules(dataset);
    Column detail = when(col(RULE).equalTo(conflictRule(dataset)), lit("rows with this key differ"));
    for (int i = 0; i < rules.size(); i++) {
      detail = detail.when(col(RULE).equalTo(i), rules.get(i).detail());
    }
    return detail;
  }

  /**
   * Adds {@link #RULE}, the index of the first rule that applies, and {@link #REASON}, its code.
   * Details are not worked out here: the checks stay one small expression (Spark generates one
   * method for the whole read-and-check stage, and the JVM does not compile a method of over 8,000
   * bytes of bytecode: with details beside the reasons it ran interpreted, three times slower).
   */
  private static Dataset<Row> withReasons(Dataset<Row> rows, List<Rule> rules) {
    Column rule = null;
    for (int i = 0; i < rules.size(); i++) {
      Column hit = rules.get(i).violated();
      rule = rule == null ? when(hit, lit(i)) : rule.when(hit, lit(i));
    }
    return rows.withColumn(RULE, rule).withColumn(REASON, reasonOf(col(RULE), rules));
  }

  /**
   * The reason code of a rule index: rules come in reason order, so one comparison per reason
   * ({@code index <= its last rule}), not one per rule.
   */
  private static Column reasonOf(Column index, List<Rule> rules) {
    Column reason = null;
    for (int i = 0; i < rules.size(); i++) {
      ReasonCode code = rules.get(i).reason();
      if (i + 1 < rules.size() && rules.get(i + 1).reason() == code) {
        continue;
      }
      if (i + 1 < rules.size() && rules.get(i + 1).reason().compareTo(code) < 0) {
        throw new IllegalStateException("rules out of reason order: " + rules.get(i + 1).reason() + " after " + code);
      }
      reason = reason == null ? when(index.leq(i), lit(code.name())) : reason.when(index.leq(i), lit(code.name()));
    }
    return reason;
  }

  static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }
}
