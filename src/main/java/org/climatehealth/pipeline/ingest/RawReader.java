package org.climatehealth.pipeline.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_csv;
import static org.apache.spark.sql.functions.is_valid_utf8;
import static org.apache.spark.sql.functions.instr;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.replace;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.split;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.storage.StoreUri;

/**
 * Reads the raw CSV files of one dataset as strings, one pass, knowing each row's field count.
 *
 * <p>Spark's CSV reader pads short rows with nulls and drops extra fields, and reads an empty
 * field as null too, so it cannot tell a short row from one with empty fields. Here the files are
 * read as lines (Spark's text source: splittable, one pass); a line's field count is its commas
 * outside quoted sections plus one, and its fields are parsed with {@code from_csv}. The header
 * line of each file is dropped by its exact text, blank lines are not rows. Columns are named
 * after the header (unknown columns kept for the quarantine); contract columns a file lacks are
 * null.
 *
 * <p>Two kinds of line are flagged beside the field counts, for the validation to quarantine as
 * MALFORMED_ROW with their text kept: a line that is not valid UTF-8 (its bytes would otherwise
 * be read with replacement characters, silently changing a value), and a line with an odd number
 * of double quotes, whose quoted section is not closed on the line. Records are lines: a line
 * break inside a quoted field splits the record, and each of its lines is quarantined, nothing
 * is lost.
 */
public final class RawReader {
  // Internal columns added to every raw row.

  /** The row's file as Spark names it ({@code file:///}, {@code s3a://}); see {@link #userSpelling}. */
  public static final String SOURCE_FILE = "_source_file";
  public static final String FIELDS_MISSING = "_fields_missing";
  public static final String FIELDS_EXTRA = "_fields_extra";
  public static final String FIELD_COUNT = "_field_count";
  /** True when the line's bytes are not valid UTF-8. */
  public static final String NOT_UTF8 = "_not_utf8";
  /** True when the line has an odd number of double quotes: a quoted field not closed on the line. */
  public static final String OPEN_QUOTE = "_open_quote";

  /**
   * The whole line as read, on rows of files with more than {@link #MAX_UNKNOWN_COLUMNS} unknown
   * columns, in place of one column per unknown column (the quarantine keeps every raw field so).
   */
  public static final String RAW_LINE = "_raw_line";
  /** Unknown columns carried one by one; a file with more keeps its lines whole in {@link #RAW_LINE}. */
  public static final int MAX_UNKNOWN_COLUMNS = 256;
  // Spark's CSV default
  private static final int DEFAULT_MAX_COLUMNS = 20480;

  // a quoted section: "..." with "" as an escaped quote inside
  private static final String QUOTED = "\"(?:[^\"]|\"\")*\"";
  private static final String FIELDS = "_fields";
  private static final String LINE = "value";

  private RawReader() {}

  /**
   * Reads every file of {@code headers} into one Dataset: the dataset's contract columns as
   * strings, every unknown header column, and the internal columns.
   */
  public static Dataset<Row> read(SparkSession spark, StoreUri rawStore, RawDataset dataset, List<RawHeader> headers) {
    Map<String, List<RawHeader>> byHeaderLine = new LinkedHashMap<>();
    for (RawHeader header : headers) {
      byHeaderLine.computeIfAbsent(header.line(), k -> new ArrayList<>()).add(header);
    }
    Dataset<Row> all = null;
    for (List<RawHeader> group : byHeaderLine.values()) {
      Dataset<Row> part = readGroup(spark, rawStore, dataset, group);
      all = all == null ? part : all.unionByName(part, true);
    }
    return all;
  }

  private static Dataset<Row> readGroup(SparkSession spark, StoreUri rawStore, RawDataset dataset, List<RawHeader> group) {
    RawHeader first = group.get(0);
    List<String> header = first.names();
    Map<String, Integer> positions = first.positions();
    List<Integer> unknown = new ArrayList<>();
    int lastContractPosition = -1;
    for (int i = 0; i < header.size(); i++) {
      String name = header.get(i);
      if (dataset.columnNames().contains(name)) {
        lastContractPosition = Math.max(lastContractPosition, positions.get(name));
      } else if (!name.isEmpty()) {
        unknown.add(i);
      }
    }
    // thousands of columns make every plan over the rows crawl (4 minutes for 3 rows of 10,000
    // columns): past the limit only the contract columns are parsed and the line is kept whole
    boolean wide = unknown.size() > MAX_UNKNOWN_COLUMNS;
    int parsedFields = wide ? lastContractPosition + 1 : header.size();
    StructType fields = new StructType();
    for (int i = 0; i < parsedFields; i++) {
      fields = fields.add("_c" + i, DataTypes.StringType, true);
    }
    String[] paths = group.stream().map(h -> rawStore.sparkPath(h.file())).toArray(String[]::new);
    Dataset<Row> lines = spark.read().option("encoding", "UTF-8").text(paths)
        // Hadoop's line reader drops a UTF-8 byte-order mark at the start of a file: match both
        .where(col(LINE).isin(first.line(), first.line().replaceFirst("^\uFEFF", "")).unary_$bang()
            .and(trim(col(LINE)).notEqual(lit(""))));

    // most lines hold no double quote: their field count is their commas plus one (counted in
    // bytes, no regular expression); only lines with a quote need the quoted sections removed
    Column hasQuote = instr(col(LINE), "\"").gt(0);
    Column fieldCount = when(hasQuote, size(split(regexp_replace(col(LINE), QUOTED, ""), ",", -1)))
        .otherwise(occurrences(col(LINE), ",").plus(1));
    // the CSV parser fails the whole job on a line of more fields than maxColumns: such a line
    // (always MALFORMED_ROW, too many fields) is not parsed
    int maxColumns = Math.max(DEFAULT_MAX_COLUMNS, header.size() + 1);
    Map<String, String> csv = Map.of("mode", "PERMISSIVE", "ignoreLeadingWhiteSpace", "false",
        "ignoreTrailingWhiteSpace", "false", "maxColumns", Integer.toString(maxColumns));
    Dataset<Row> parsed = lines.select(
        when(fieldCount.leq(maxColumns), from_csv(col(LINE), lit(fields.toDDL()), csv)).as(FIELDS),
        fieldCount.as(FIELD_COUNT),
        is_valid_utf8(col(LINE)).unary_$bang().as(NOT_UTF8),
        hasQuote.and(occurrences(col(LINE), "\"").mod(2).equalTo(1)).as(OPEN_QUOTE),
        col(LINE),
        col("_metadata.file_path").as(SOURCE_FILE));

    List<Column> columns = new ArrayList<>();
    for (String name : dataset.columnNames()) {
      Integer position = positions.get(name);
      columns.add((position == null ? lit(null).cast(DataTypes.StringType) : col(FIELDS + "._c" + position)).as(name));
    }
    if (wide) {
      columns.add(col(LINE).as(RAW_LINE));
    } else {
      for (int i : unknown) {
        columns.add(col(FIELDS + "._c" + i).as(header.get(i)));
      }
    }
    columns.add(col(FIELD_COUNT).lt(header.size()).as(FIELDS_MISSING));
    columns.add(col(FIELD_COUNT).gt(header.size()).as(FIELDS_EXTRA));
    columns.add(lit(header.size()).as(FIELD_COUNT));
    columns.add(col(NOT_UTF8));
    columns.add(col(OPEN_QUOTE));
    columns.add(col(SOURCE_FILE));
    return parsed.select(columns.toArray(Column[]::new));
  }

  /** How often a one-byte character occurs in a line: bytes before and after removing it. */
  private static Column occurrences(Column line, String character) {
    return octet_length(line).minus(octet_length(replace(line, lit(character), lit(""))));
  }

  /** Spark's {@code s3a://} and {@code file:///} paths in the user's spelling: {@code s3://}, {@code file:/}. */
  public static Column userSpelling(Column path) {
    return regexp_replace(regexp_replace(path, "^s3a://", "s3://"), "^file:///", "file:/");
  }
}
