package org.climatehealth.pipeline.validate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.try_to_date;
import static org.apache.spark.sql.functions.upper;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.isnan;

import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.types.DataTypes;
import org.climatehealth.pipeline.dataset.ColumnType;

/**
 * How raw strings become values (CONTRACT §5), as Spark SQL expressions: missing-value spellings,
 * id and category normalisation, the accepted date formats, numbers and whole counts.
 */
public final class Values {
  /** Spellings of a missing value, compared after trimming and lower-casing. */
  public static final List<String> MISSING = List.of("", "na", "n/a", "null", "-");
  /** Accepted date formats, tried in this order. */
  public static final List<String> DATE_FORMATS = List.of("yyyy-MM-dd", "dd/MM/yyyy", "yyyy/MM/dd", "dd-MM-yyyy");

  private static final double MAX_COUNT = 1e15;

  private Values() {}

  /** The trimmed raw string, or null when it is one of the missing-value spellings. */
  public static Column present(Column raw) {
    return when(lower(trim(raw)).isin(MISSING.toArray()), lit(null).cast(DataTypes.StringType)).otherwise(trim(raw));
  }

  /** The parsed value of a present string (null when it does not parse; see {@link #invalid}). */
  public static Column parse(Column present, ColumnType type) {
    return switch (type) {
      case ID -> upper(present);
      case TEXT -> present;
      case CATEGORY -> lower(present);
      case DATE -> date(present);
      case DECIMAL -> when(finite(present), present.try_cast(DataTypes.DoubleType));
      case COUNT -> when(finite(present).and(whole(present)), present.try_cast(DataTypes.DoubleType))
          .cast(DataTypes.LongType);
    };
  }

  /** True when a present value does not parse as its type. */
  public static Column invalid(Column present, ColumnType type) {
    return present.isNotNull().and(parse(present, type).isNull());
  }

  /**
   * The shapes of {@link #DATE_FORMATS}: four-digit years, two-digit days and months. Only these
   * reach the parser, which accepts signed and longer years and fails outright (an arithmetic
   * overflow, not a null) on years beyond about 294,000.
   */
  private static final String DATE_SHAPE = "^([0-9]{4}[-/][0-9]{2}[-/][0-9]{2}|[0-9]{2}[-/][0-9]{2}[-/][0-9]{4})$";

  private static Column date(Column present) {
    Column[] attempts = DATE_FORMATS.stream().map(f -> try_to_date(present, f)).toArray(Column[]::new);
    // the common case, yyyy-MM-dd: ten characters, a digit first and dashes at the fifth and eighth;
    // Spark's own string-to-date cast then accepts exactly the valid calendar dates of that shape
    // (it takes digits only between the dashes, and a sign only in front, which the first digit
    // rules out), as try_to_date(yyyy-MM-dd) does, without a regular expression or a formatter
    Column iso = length(present).equalTo(10).and(substring(present, 1, 1).between("0", "9"))
        .and(substring(present, 5, 1).equalTo("-")).and(substring(present, 8, 1).equalTo("-"));
    return when(iso, present.try_cast(DataTypes.DateType))
        .otherwise(when(present.rlike(DATE_SHAPE), coalesce(attempts)));
  }

  private static Column finite(Column present) {
    Column number = present.try_cast(DataTypes.DoubleType);
    return number.isNotNull().and(isnan(number).unary_$bang()).and(abs(number).lt(Double.MAX_VALUE));
  }

  private static Column whole(Column present) {
    Column number = present.try_cast(DataTypes.DoubleType);
    return number.equalTo(floor(number)).and(abs(number).lt(MAX_COUNT));
  }
}
