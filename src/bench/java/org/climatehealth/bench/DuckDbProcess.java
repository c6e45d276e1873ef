package org.climatehealth.bench;

import static org.climatehealth.bench.Sql.exec;
import static org.climatehealth.bench.Sql.id;
import static org.climatehealth.bench.Sql.str;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.climatehealth.pipeline.dataset.ColumnType;
import org.climatehealth.pipeline.dataset.DailyLocation;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;
import org.climatehealth.pipeline.ingest.RawHeader;
import org.climatehealth.pipeline.jobs.DatasetAccounting;
import org.climatehealth.pipeline.validate.Values;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * {@code process} written in DuckDB SQL: the same cleaning, validation and join as the Spark job,
 * from the same raw CSVs, to the same layout (CONTRACT §4-6), as a peer for the benchmark and a
 * cross-check of the Spark logic.
 *
 * <p>Records are lines, as for {@code RawReader}: DuckDB's CSV reader reads every file as lines (one
 * column, no quoting), so that a quoted line break splits the record as it does in the Spark job;
 * a line is cut at its commas, or, when it holds a double quote, at the commas outside quoted
 * sections. A line that is not valid UTF-8 (which DuckDB's reader rejects, into its reject table)
 * or that has an odd number of double quotes is MALFORMED_ROW before its field count is looked at.
 * Everything after that is SQL: missing-value spellings, id and category normalisation, the four
 * date formats, numbers, the reason codes in contract order, unknown locations, exact duplicates
 * against conflicting ones, and {@code daily_location} (calendar-day windows, the disease pivot, and
 * hospital capacity as of each date with an ASOF join per hospital).
 *
 * <p>Writes {@code processed/<dataset>/} and {@code processed/daily_location/} (Parquet, by
 * {@code month=YYYY-MM}), {@code quarantine/<dataset>/run_id=bench/} (JSON Lines) and
 * {@code _runs/process/bench.json} with the row accounting, under {@code --out}.
 *
 * <pre>DuckDbProcess --raw DIR --out DIR --diseases a,b,c [--threads N] [--memory-limit 8GB]</pre>
 */
public final class DuckDbProcess {
  /** The run id of the benchmark's outputs. */
  static final String RUN_ID = "bench";

  /** A decimal number as the contract means it: sign, digits, optional fraction and exponent. */
  private static final String NUMBER = "[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?";
  private static final double MAX_COUNT = 1e15;

  /**
   * The delimiter of DuckDB's CSV reader used as a line reader (one column, no quoting): U+FFFF, a
   * noncharacter that text does not hold.
   */
  private static final String NO_DELIMITER = "\uFFFF";
  /** A quoted section: "..." with "" as an escaped quote inside (as RawReader removes them to count commas). */
  private static final String QUOTED = "\"(?:[^\"]|\"\")*\"";
  /** What DuckDB's reject table calls a line that is not valid UTF-8. */
  private static final String INVALID_ENCODING = "INVALID ENCODING";

  private static final String LINE = "_line";
  private static final String NOT_UTF8 = "_not_utf8";
  private static final String OPEN_QUOTE = "_open_quote";
  private static final String FIELDS_MISSING = "_fields_missing";
  private static final String FIELDS_EXTRA = "_fields_extra";
  private static final String FIELD_COUNT = "_field_count";
  private static final String SOURCE_FILE = "_source_file";
  /** What became of a row: NULL when valid, {@link #COLLAPSED}, or its reason code. */
  private static final String OUTCOME = "_outcome";
  private static final String COLLAPSED = "COLLAPSED";
  private static final String KNOWN = "_known";

  private final Path rawRoot;
  private final Path out;
  private final List<String> diseases;
  private final int threads;
  private final String memoryLimit;
  private final String database;
  private final ChildTimings timings = new ChildTimings();

  DuckDbProcess(Path rawRoot, Path out, List<String> diseases, int threads, String memoryLimit, String database) {
    this.rawRoot = rawRoot;
    this.out = out;
    this.diseases = List.copyOf(diseases);
    this.threads = threads;
    this.memoryLimit = memoryLimit;
    this.database = database;
  }

  public static void main(String[] args) {
    Map<String, String> options = Args.parse(args, Set.of("--raw", "--out", "--diseases", "--threads", "--memory-limit",
        "--database"));
    try {
      DuckDbProcess process = new DuckDbProcess(Path.of(Args.required(options, "--raw")),
          Path.of(Args.required(options, "--out")),
          Arrays.asList(Args.required(options, "--diseases").split(",")),
          Integer.parseInt(options.getOrDefault("--threads", Integer.toString(Runtime.getRuntime().availableProcessors()))),
          options.get("--memory-limit"), options.get("--database"));
      process.run();
    } catch (BadInputException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(2);
    }
  }

  /** Raw input that breaks the contract (exit 2). */
  static final class BadInputException extends RuntimeException {
    BadInputException(String message) {
      super(message);
    }
  }

  /** One file's header: the line as in the file, its fields, their normalised names. */
  record Header(Path file, String line, List<String> fields, List<String> names) {
    int position(String name) {
      return names.indexOf(name);
    }
  }

  void run() {
    long started = System.nanoTime();
    Map<RawDataset, List<Header>> headers = discover();
    Path file = database == null || database.equals("memory") ? null : out.resolve("_duckdb_tmp/process.duckdb");
    createDirectories(out.resolve("_duckdb_tmp"));
    try (Connection db = Sql.duckdb(file)) {
      exec(db, "SET threads = " + threads);
      if (memoryLimit != null) {
        exec(db, "SET memory_limit = " + str(memoryLimit));
      }
      exec(db, "SET temp_directory = " + str(out.resolve("_duckdb_tmp").toString()));
      exec(db, "SET preserve_insertion_order = false");
      // an IN list of constants stays an expression: as a join (DuckDB's default) it costs more over wide rows
      exec(db, "SET disabled_optimizers = 'in_clause'");
      timings.ready().fact("duckdb_version", Sql.single(db, "SELECT version()", String::valueOf)).fact("threads", threads);

      Map<String, DatasetAccounting> accounting = new LinkedHashMap<>();
      for (RawDataset dataset : List.of(RawDataset.LOCATIONS, RawDataset.CLIMATE, RawDataset.HEALTH,
          RawDataset.HOSPITAL)) {
        long t = System.nanoTime();
        List<String> rawColumns = check(db, dataset, headers.get(dataset));
        resolveDuplicates(db, dataset);
        accounting.put(dataset.tableName(), account(db, dataset, headers.get(dataset)));
        exec(db, "CREATE TABLE " + clean(dataset) + " AS SELECT "
            + dataset.columnNames().stream().map(c -> id(typed(c)) + " AS " + id(c)).collect(Collectors.joining(", "))
            + " FROM " + checked(dataset) + " WHERE " + OUTCOME + " IS NULL");
        timings.stage("read_validate_" + dataset.tableName(), t);

        t = System.nanoTime();
        writeTable(db, dataset);
        if (accounting.get(dataset.tableName()).rowsQuarantined() > 0) {
          writeQuarantine(db, dataset, rawColumns);
        }
        exec(db, "DROP TABLE " + checked(dataset));
        exec(db, "DROP TYPE " + files(dataset));
        timings.stage("write_" + dataset.tableName(), t);
      }

      long t = System.nanoTime();
      Path daily = out.resolve(DailyLocation.FOLDER);
      long dailyRows = exec(db, "COPY (" + dailyLocation() + ") TO " + str(daily.toString())
          + " (FORMAT parquet, PARTITION_BY (" + DailyLocation.MONTH + "), OVERWRITE_OR_IGNORE true)");
      timings.stage("daily_location", t);
      timings.fact("daily_location_rows", dailyRows);

      writeReport(accounting, dailyRows, (System.nanoTime() - started) / 1e9);
      System.out.printf(Locale.ROOT, "duckdb process: %s; daily_location %,d rows; %.1f s%n",
          accounting.entrySet().stream().map(e -> e.getKey() + " " + e.getValue().rowsRead() + " read/"
              + e.getValue().rowsValid() + " valid").collect(Collectors.joining(", ")), dailyRows,
          (System.nanoTime() - started) / 1e9);
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage(), e);
    } finally {
      timings.write();
    }
  }

  // ---- discovery and headers ---------------------------------------------------------------

  /** The raw files of each dataset ({@code raw/<prefix>*.csv}) with their checked headers. */
  private Map<RawDataset, List<Header>> discover() {
    List<Path> files;
    try (Stream<Path> listing = Files.list(rawRoot.resolve("raw"))) {
      files = listing.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new BadInputException("cannot list " + rawRoot.resolve("raw") + ": " + e.getMessage());
    }
    Map<RawDataset, List<Header>> headers = new EnumMap<>(RawDataset.class);
    for (RawDataset dataset : RawDataset.values()) {
      List<Header> found = new ArrayList<>();
      for (Path file : files) {
        if (dataset.matches("raw/" + file.getFileName())) {
          found.add(header(file, dataset));
        }
      }
      if (found.isEmpty()) {
        throw new BadInputException("no " + dataset.tableName() + " data: no " + dataset.filePrefix() + "*.csv in "
            + rawRoot);
      }
      headers.put(dataset, found);
    }
    return headers;
  }

  /** Reads and checks a header: names normalised (CONTRACT §5), required columns present, none twice. */
  static Header header(Path file, RawDataset dataset) {
    String line = firstLine(file);
    String withoutBom = line.startsWith("\uFEFF") ? line.substring(1) : line;
    List<String> fields = RawHeader.splitCsvLine(withoutBom);
    List<String> names = fields.stream().map(RawHeader::normalise).toList();
    Set<String> seen = new LinkedHashSet<>();
    for (String name : names) {
      if (!name.isEmpty() && !seen.add(name)) {
        throw new BadInputException(file + ": column '" + name + "' appears twice in the header");
      }
    }
    for (String required : dataset.requiredColumns()) {
      if (!seen.contains(required)) {
        throw new BadInputException(file + ": required column '" + required + "' is missing from the header (found: "
            + String.join(", ", names) + ")");
      }
    }
    return new Header(file, line, fields, names);
  }

  private static String firstLine(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0 && b != '\n' && b != '\r') {
        line.write(b);
        if (line.size() > 1 << 20) {
          throw new BadInputException(file + ": the header line is longer than 1 MiB");
        }
      }
      String text = line.toString(StandardCharsets.UTF_8);
      if (text.replace("\uFEFF", "").isBlank()) {
        throw new BadInputException(file + ": the file is empty or has no header row");
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the header of " + file, e);
    }
  }

  // ---- reading and row checks ---------------------------------------------------------------

  /**
   * Reads the dataset's files (one {@code read_csv} per distinct header) and creates its checked
   * table: the raw strings, the parsed values ({@code _v_<column>}), the field-count flags, the
   * source file and the outcome: the first reason that applies, or NULL (the duplicate check comes
   * later). Returns the raw columns in quarantine order.
   */
  private List<String> check(Connection db, RawDataset dataset, List<Header> headers) {
    Map<String, List<Header>> byLine = new LinkedHashMap<>();
    headers.forEach(h -> byLine.computeIfAbsent(h.line(), k -> new ArrayList<>()).add(h));
    List<String> reads = new ArrayList<>();
    Set<String> rawColumns = new LinkedHashSet<>(dataset.columnNames());
    List<List<Header>> groups = List.copyOf(byLine.values());
    for (int g = 0; g < groups.size(); g++) {
      reads.add(readGroup(dataset, groups.get(g), files(dataset), rejects(dataset, g)));
      groups.get(g).get(0).names().stream().filter(n -> !n.isEmpty()).forEach(rawColumns::add);
    }
    String raw = String.join(" UNION ALL BY NAME ", reads);
    // the source file as a one-byte enum, not a path string in every row
    exec(db, "CREATE TYPE " + files(dataset) + " AS ENUM (" + headers.stream().map(h -> str(h.file().toString()))
        .collect(Collectors.joining(", ")) + ")");

    List<String> present = new ArrayList<>();
    List<String> numbers = new ArrayList<>();
    List<String> values = new ArrayList<>();
    for (RawDataset.Column column : dataset.columns()) {
      String name = column.name();
      present.add(present(id(name)) + " AS " + id(presentName(name)));
      if (column.type() == ColumnType.DECIMAL || column.type() == ColumnType.COUNT) {
        numbers.add("CASE WHEN regexp_full_match(" + id(presentName(name)) + ", " + str(NUMBER) + ") THEN TRY_CAST("
            + id(presentName(name)) + " AS DOUBLE) END AS " + id(number(name)));
      }
      values.add(parse(column) + " AS " + id(typed(name)));
    }
    boolean located = dataset != RawDataset.LOCATIONS;
    String from = "(SELECT *, " + String.join(", ", values) + " FROM (SELECT *, " + String.join(", ", numbers)
        + " FROM (SELECT *, " + String.join(", ", present) + " FROM (" + raw + "))))";
    if (located) {
      // a mark join that builds on the (small) valid locations
      from = "(SELECT *, " + id(typed("location_id")) + " IN (SELECT location_id FROM " + clean(RawDataset.LOCATIONS)
          + ") AS " + KNOWN + " FROM " + from + ")";
    }
    List<String> internal = new ArrayList<>();
    dataset.columnNames().forEach(c -> internal.add(id(presentName(c))));
    dataset.columns().stream().filter(c -> c.type() == ColumnType.DECIMAL || c.type() == ColumnType.COUNT)
        .forEach(c -> internal.add(id(number(c.name()))));
    if (located) {
      internal.add(KNOWN);
    }
    List<Rule> rules = new ArrayList<>(rules(dataset));
    if (located) {
      rules.add(new Rule(ReasonCode.UNKNOWN_LOCATION, "NOT " + KNOWN, null));
    }
    String reason = "CASE " + rules.stream().map(r -> "WHEN " + r.violated() + " THEN " + str(r.reason().name()))
        .collect(Collectors.joining(" ")) + " END";
    exec(db, "CREATE TABLE " + checked(dataset) + " AS SELECT * EXCLUDE (" + String.join(", ", internal) + "), "
        + reason + " AS " + OUTCOME + " FROM " + from);
    for (int g = 0; g < groups.size(); g++) {
      addLinesNotUtf8(db, dataset, groups.get(g), rejects(dataset, g));
    }
    return List.copyOf(rawColumns);
  }

  /**
   * The lines of a file group that are not valid UTF-8, which DuckDB's reader skipped into the
   * group's reject table, added to the checked table as MALFORMED_ROW: their text is read again
   * from the file, each bad byte as U+FFFD (DuckDB's own copy in the reject table loses bytes).
   * Any other reading error fails the run: no line is dropped silently.
   */
  private static void addLinesNotUtf8(Connection db, RawDataset dataset, List<Header> group, String rejects) {
    record Rejected(String file, long position, String type, String text, String message) {}
    List<Rejected> rejected = Sql.query(db, "SELECT s.file_path, e.line_byte_position, e.error_type::VARCHAR,"
        + " e.csv_line, e.error_message FROM " + rejects + " e JOIN " + rejects + "_scans s USING (scan_id, file_id)"
        + " ORDER BY 1, 2", r -> new Rejected(r.getString(1), r.getLong(2), r.getString(3), r.getString(4),
        r.getString(5)));
    for (Rejected r : rejected) {
      if (!r.type().equals(INVALID_ENCODING)) {
        throw new IllegalStateException("DuckDB could not read a line of " + r.file() + " (byte " + r.position() + "): "
            + r.type() + ": " + r.message());
      }
    }
    exec(db, "DROP TABLE " + rejects);
    exec(db, "DROP TABLE " + rejects + "_scans");
    if (rejected.isEmpty()) {
      return;
    }
    exec(db, "CREATE TEMP TABLE lines_not_utf8 (" + LINE + " VARCHAR, filename VARCHAR)");
    try (DuckDBAppender appender = db.unwrap(DuckDBConnection.class).createAppender("lines_not_utf8")) {
      for (Rejected r : rejected) {
        String line = lineAt(Path.of(r.file()), r.position());
        appender.beginRow().append(line == null ? r.text().strip() : line).append(r.file()).endRow();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage(), e);
    }
    exec(db, "INSERT INTO " + checked(dataset) + " BY NAME SELECT *, " + str(ReasonCode.MALFORMED_ROW.name()) + " AS "
        + OUTCOME + " FROM (" + fields(dataset, group.get(0), files(dataset), "SELECT *, true AS " + NOT_UTF8
        + " FROM lines_not_utf8") + ")");
    exec(db, "DROP TABLE lines_not_utf8");
  }

  /**
   * The line of a file that DuckDB rejected at byte {@code position} (its reject table's
   * {@code line_byte_position}, which is not always the line's first byte: here, the line holding
   * the byte before or at it, or the next one, whichever is not valid UTF-8), each bad byte as
   * U+FFFD; null when none of those is (or the line is longer than the 4 MiB read around it).
   */
  static String lineAt(Path file, long position) {
    int window = 1 << 22;
    try (SeekableByteChannel channel = Files.newByteChannel(file)) {
      long from = Math.max(0, position - window);
      ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size() - from, 2L * window));
      channel.position(from);
      while (buffer.hasRemaining() && channel.read(buffer) >= 0) {
        // fill the window
      }
      byte[] bytes = buffer.array();
      int n = buffer.position();
      boolean complete = from + n == channel.size();
      int p = (int) (position - from);
      for (int q : new int[] {p - 1, p, p + 1, p + 2}) {
        if (q < 0 || q >= n) {
          continue;
        }
        int end = q;
        while (end < n && bytes[end] != '\n' && bytes[end] != '\r') {
          end++;
        }
        int start = q;
        while (start > 0 && bytes[start - 1] != '\n' && bytes[start - 1] != '\r') {
          start--;
        }
        if ((start == 0 && from > 0) || (end == n && !complete) || start == end) {
          continue;
        }
        byte[] line = Arrays.copyOfRange(bytes, start, end);
        try {
          StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(line));
        } catch (CharacterCodingException e) {
          return new String(line, StandardCharsets.UTF_8);
        }
      }
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  /**
   * One {@code read_csv} over the files that share a header line, as lines (RawReader's): the
   * header line (wherever it repeats) and blank lines (empty, or spaces only) are not rows; lines
   * that are not valid UTF-8 go to the reject table {@code rejects} (and its {@code _scans}).
   */
  private static String readGroup(RawDataset dataset, List<Header> group, String fileType, String rejects) {
    Header first = group.get(0);
    String header = first.line();
    String files = Sql.strList(group.stream().map(h -> h.file().toString()).toList());
    String lines = "SELECT line AS " + LINE + ", filename, false AS " + NOT_UTF8 + " FROM read_csv(" + files
        + ", columns = {'line': 'VARCHAR'}, delim = " + str(NO_DELIMITER) + ", quote = '', escape = '',"
        + " header = false, auto_detect = false, strict_mode = false, ignore_errors = true, store_rejects = true,"
        + " rejects_table = " + str(rejects) + ", rejects_scan = " + str(rejects + "_scans") + ", filename = true)"
        + " WHERE line IS NOT NULL AND trim(line) <> '' AND line NOT IN (" + str(header) + ", "
        + str(header.startsWith("\uFEFF") ? header.substring(1) : header) + ")";
    return fields(dataset, first, fileType, lines);
  }

  /**
   * The rows of some lines ({@code _line}, {@code filename}, {@code _not_utf8}) of files with the
   * header {@code first}: the contract columns by their position in that header (NULL when the
   * header lacks one, or the line is too short), the other named columns as they are, whether the
   * line has an odd number of double quotes, fewer or more fields than the header, and its file.
   * A line without a double quote (nearly all) is cut at its commas; one with a quote at the
   * commas outside quoted sections, which lose their quotes ({@code ""} inside is a quote). Its
   * field count is RawReader's: the commas outside quoted sections, plus one.
   */
  private static String fields(RawDataset dataset, Header first, String fileType, String lines) {
    int n = first.names().size();
    List<String> select = new ArrayList<>();
    for (String name : dataset.columnNames()) {
      int position = first.position(name);
      select.add((position < 0 ? "NULL::VARCHAR" : "_f[" + (position + 1) + "]") + " AS " + id(name));
    }
    for (int i = 0; i < n; i++) {
      String name = first.names().get(i);
      if (!name.isEmpty() && !dataset.columnNames().contains(name) && first.position(name) == i) {
        select.add("_f[" + (i + 1) + "] AS " + id(name));
      }
    }
    select.add("_n < " + n + " AS " + FIELDS_MISSING);
    select.add("_n > " + n + " AS " + FIELDS_EXTRA);
    select.add(n + " AS " + FIELD_COUNT);
    select.add(NOT_UTF8);
    select.add("_q AND (strlen(" + LINE + ") - strlen(replace(" + LINE + ", '\"', ''))) % 2 = 1 AS " + OPEN_QUOTE);
    select.add("CAST(filename AS " + fileType + ") AS " + SOURCE_FILE);
    String split = "CASE WHEN _q THEN list_transform(regexp_extract_all(',' || " + LINE + ", " + str(",(" + QUOTED
        + "|[^,]*)") + ", 1), lambda f: CASE WHEN f LIKE '\"%\"' AND length(f) >= 2 THEN replace(f[2:-2], '\"\"',"
        + " '\"') ELSE f END) ELSE string_split(" + LINE + ", ',') END";
    String count = "CASE WHEN _q THEN len(string_split(regexp_replace(" + LINE + ", " + str(QUOTED) + ", '', 'g'),"
        + " ',')) ELSE len(_f) END";
    return "SELECT " + String.join(", ", select) + " FROM (SELECT *, " + count + " AS _n FROM (SELECT *, " + split
        + " AS _f FROM (SELECT *, contains(" + LINE + ", '\"') AS _q FROM (" + lines + "))))";
  }

  /** The parsed value of a column from its present string ({@code _p_}) or number ({@code _n_}). */
  private static String parse(RawDataset.Column column) {
    String p = id(presentName(column.name()));
    String d = id(number(column.name()));
    return switch (column.type()) {
      case ID -> "upper(" + p + ")";
      case TEXT -> p;
      case CATEGORY -> "lower(" + p + ")";
      case DATE -> date(p);
      // Values.finite: Double.MAX_VALUE itself is not taken for a number (it stands for overflow)
      case DECIMAL -> "CASE WHEN isfinite(" + d + ") AND abs(" + d + ") < " + Double.MAX_VALUE + " THEN " + d + " END";
      case COUNT -> "CASE WHEN isfinite(" + d + ") AND " + d + " = floor(" + d + ") AND abs(" + d + ") < " + MAX_COUNT
          + " THEN CAST(" + d + " AS BIGINT) END";
    };
  }

  /** A date in one of the contract's formats: each format's exact shape, then a real calendar date. */
  private static String date(String p) {
    StringBuilder sql = new StringBuilder("CAST(CASE");
    for (String format : Values.DATE_FORMATS) {
      String shape = format.replace("yyyy", "[0-9]{4}").replace("MM", "[0-9]{2}").replace("dd", "[0-9]{2}");
      String strptime = format.replace("yyyy", "%Y").replace("MM", "%m").replace("dd", "%d");
      if (!shape.matches("[\\[\\]0-9{}/-]+")) {
        throw new IllegalStateException("date format " + format + " has a field this reader does not know");
      }
      sql.append(" WHEN regexp_full_match(").append(p).append(", ").append(str(shape)).append(") THEN try_strptime(")
          .append(p).append(", ").append(str(strptime)).append(")");
    }
    return sql.append(" END AS DATE)").toString();
  }

  /** A row check: when {@code violated} (SQL) holds, the row gets {@code reason} with {@code detail} (SQL). */
  record Rule(ReasonCode reason, String violated, String detail) {}

  /**
   * Every check of a row on its own, in contract order (the first that applies is the reason);
   * the location and duplicate checks come after these.
   */
  private static List<Rule> rules(RawDataset dataset) {
    List<Rule> rules = new ArrayList<>();
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, NOT_UTF8,
        str("the line is not valid UTF-8 (another encoding, or binary content)")));
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, OPEN_QUOTE,
        str("a quoted field is not closed on this line (a line break inside a quoted field splits the record)")));
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, FIELDS_MISSING, "'fewer fields than the ' || " + FIELD_COUNT
        + " || ' of the header'"));
    rules.add(new Rule(ReasonCode.MALFORMED_ROW, FIELDS_EXTRA, "'more fields than the ' || " + FIELD_COUNT
        + " || ' of the header'"));
    for (RawDataset.Column column : dataset.columns()) {
      if (column.required()) {
        rules.add(new Rule(ReasonCode.MISSING_REQUIRED, id(presentName(column.name())) + " IS NULL",
            str(column.name() + " is missing")));
      }
    }
    for (ReasonCode reason : List.of(ReasonCode.BAD_DATE, ReasonCode.BAD_NUMBER)) {
      for (RawDataset.Column column : dataset.columns()) {
        boolean date = column.type() == ColumnType.DATE;
        boolean number = column.type() == ColumnType.DECIMAL || column.type() == ColumnType.COUNT;
        if ((reason == ReasonCode.BAD_DATE && date) || (reason == ReasonCode.BAD_NUMBER && number)) {
          String expected = date ? " is not a date (yyyy-MM-dd, dd/MM/yyyy, yyyy/MM/dd or dd-MM-yyyy)"
              : column.type() == ColumnType.COUNT ? " is not a whole number" : " is not a number";
          rules.add(new Rule(reason, id(presentName(column.name())) + " IS NOT NULL AND " + id(typed(column.name()))
              + " IS NULL", str(column.name() + " '") + " || " + id(column.name()) + " || " + str("'" + expected)));
        }
      }
    }
    switch (dataset) {
      case LOCATIONS -> {
        outside(rules, "latitude", -90, 90);
        outside(rules, "longitude", -180, 180);
        rules.add(new Rule(ReasonCode.OUT_OF_RANGE, id(typed("population")) + " <= 0",
            str("population=") + " || population || " + str(" must be greater than 0")));
      }
      case CLIMATE -> {
        outside(rules, "humidity_pct", 0, 100);
        negative(rules, "rainfall_mm");
        outside(rules, "temperature_max_c", -60, 60);
        outside(rules, "temperature_min_c", -60, 60);
        above(rules, "temperature_min_c", "temperature_max_c", " is above ");
      }
      case HEALTH -> {
        negative(rules, "cases");
        negative(rules, "deaths");
        negative(rules, "hospitalizations");
        above(rules, "deaths", "cases", " is more than ");
      }
      case HOSPITAL -> {
        negative(rules, "total_beds");
        negative(rules, "icu_beds");
        negative(rules, "occupied_beds");
        above(rules, "occupied_beds", "total_beds", " is more than ");
      }
    }
    return rules;
  }

  private static void outside(List<Rule> rules, String column, int min, int max) {
    String v = id(typed(column));
    rules.add(new Rule(ReasonCode.OUT_OF_RANGE, "(" + v + " < " + min + " OR " + v + " > " + max + ")",
        str(column + "=") + " || " + id(column) + " || " + str(" is outside " + min + ".." + max)));
  }

  private static void negative(List<Rule> rules, String column) {
    rules.add(new Rule(ReasonCode.OUT_OF_RANGE, id(typed(column)) + " < 0",
        str(column + "=") + " || " + id(column) + " || " + str(" is negative")));
  }

  private static void above(List<Rule> rules, String column, String bound, String words) {
    rules.add(new Rule(ReasonCode.OUT_OF_RANGE, id(typed(column)) + " > " + id(typed(bound)),
        str(column + "=") + " || " + id(column) + " || " + str(words + bound + "=") + " || " + id(bound)));
  }

  // ---- duplicates and accounting ---------------------------------------------------------------

  /**
   * Rows without a reason that share a key: identical ones (once parsed) collapse to the first by
   * rowid, differing ones are all {@code DUPLICATE_KEY_CONFLICT}. Keys that occur more than once
   * are found by their hash first (one integer to group 10^7 rows by), then exactly among the few
   * rows with those hashes; only their rows are updated.
   */
  private static void resolveDuplicates(Connection db, RawDataset dataset) {
    List<String> key = dataset.key().stream().map(k -> id(typed(k))).toList();
    String keyList = String.join(", ", key);
    String hash = "hash(" + keyList + ")";
    String values = "struct_pack(" + dataset.columnNames().stream().map(c -> id(typed(c)))
        .collect(Collectors.joining(", ")) + ")";
    exec(db, "CREATE TEMP TABLE " + duplicates(dataset) + " AS SELECT " + keyList + ", min(rowid) AS _keep,"
        + " count(DISTINCT " + values + ") AS _variants FROM " + checked(dataset) + " WHERE " + OUTCOME + " IS NULL"
        + " AND " + hash + " IN (SELECT " + hash + " FROM " + checked(dataset) + " WHERE " + OUTCOME + " IS NULL"
        + " GROUP BY 1 HAVING count(*) > 1) GROUP BY ALL HAVING count(*) > 1");
    String on = key.stream().map(k -> checked(dataset) + "." + k + " = d." + k).collect(Collectors.joining(" AND "));
    exec(db, "UPDATE " + checked(dataset) + " SET " + OUTCOME + " = CASE WHEN d._variants > 1 THEN "
        + str(ReasonCode.DUPLICATE_KEY_CONFLICT.name()) + " ELSE " + str(COLLAPSED) + " END FROM "
        + duplicates(dataset) + " d WHERE " + checked(dataset) + "." + OUTCOME + " IS NULL AND " + on
        + " AND (d._variants > 1 OR " + checked(dataset) + ".rowid <> d._keep)");
    exec(db, "DROP TABLE " + duplicates(dataset));
  }

  /** The row accounting, in the Spark job's own record (so the run reports have one shape). */
  private DatasetAccounting account(Connection db, RawDataset dataset, List<Header> headers) {
    long[] counts = new long[3];
    Map<String, Long> reasons = new TreeMap<>();
    Sql.query(db, "SELECT " + OUTCOME + ", count(*) FROM " + checked(dataset) + " GROUP BY ALL", row -> {
      String outcome = row.getString(1);
      long n = row.getLong(2);
      if (outcome == null) {
        counts[0] += n;
      } else if (outcome.equals(COLLAPSED)) {
        counts[2] += n;
      } else {
        counts[1] += n;
        reasons.merge(outcome, n, Long::sum);
      }
      return null;
    });
    Set<String> unknown = new LinkedHashSet<>();
    headers.forEach(h -> h.names().stream().filter(n -> !n.isEmpty() && !dataset.columnNames().contains(n))
        .forEach(unknown::add));
    return new DatasetAccounting(counts[0] + counts[1] + counts[2], counts[0], counts[1], counts[2], reasons,
        headers.stream().map(h -> rawRoot.relativize(h.file()).toString()).toList(), List.copyOf(unknown));
  }

  // ---- outputs -------------------------------------------------------------------------------

  private void writeTable(Connection db, RawDataset dataset) {
    Path target = out.resolve(dataset.processedPrefix());
    if (dataset.dateColumn().isEmpty()) {
      createDirectories(target);
      exec(db, "COPY " + clean(dataset) + " TO " + str(target.resolve("part-0.parquet").toString()) + " (FORMAT parquet)");
      return;
    }
    exec(db, "COPY (SELECT *, strftime(" + id(dataset.dateColumn().get()) + ", '%Y-%m') AS " + DailyLocation.MONTH
        + " FROM " + clean(dataset) + ") TO " + str(target.toString()) + " (FORMAT parquet, PARTITION_BY ("
        + DailyLocation.MONTH + "), OVERWRITE_OR_IGNORE true)");
  }

  /**
   * The quarantined rows as JSON Lines: every raw field, the source file, the reason, and a detail
   * worked out here for these rows only (the row checks again, over their present values).
   */
  private void writeQuarantine(Connection db, RawDataset dataset, List<String> rawColumns) {
    Path target = out.resolve("quarantine/" + dataset.tableName() + "/run_id=" + RUN_ID);
    createDirectories(target);
    String present = dataset.columnNames().stream().map(c -> present(id(c)) + " AS " + id(presentName(c)))
        .collect(Collectors.joining(", "));
    String unknown = dataset == RawDataset.LOCATIONS ? "" : " WHEN " + str(ReasonCode.UNKNOWN_LOCATION.name())
        + " THEN " + str("location_id '") + " || " + id(typed("location_id")) + " || " + str("' is not a known location");
    String detail = "CASE " + OUTCOME + " WHEN " + str(ReasonCode.DUPLICATE_KEY_CONFLICT.name()) + " THEN "
        + str("rows with this key differ") + unknown + " ELSE CASE " + rules(dataset).stream()
        .map(r -> "WHEN " + r.violated() + " THEN " + r.detail()).collect(Collectors.joining(" ")) + " END END";
    exec(db, "COPY (SELECT " + rawColumns.stream().map(Sql::id).collect(Collectors.joining(", ")) + ", 'file:' || "
        + SOURCE_FILE + "::VARCHAR AS " + SOURCE_FILE + ", " + OUTCOME + " AS _reason, " + detail + " AS _detail"
        + " FROM (SELECT *, " + present + " FROM " + checked(dataset) + " WHERE " + OUTCOME + " IS NOT NULL AND "
        + OUTCOME + " <> " + str(COLLAPSED) + ")) TO " + str(target.resolve("part-0.json").toString())
        + " (FORMAT json)");
  }

  /**
   * {@code daily_location} (CONTRACT §6) over the clean tables, in {@link DailyLocation#columns}
   * order: the spine of known (location, date) keys with climate or health rows, the day's
   * climate, 7-calendar-day windows, health totals and the disease pivot, hospital capacity as
   * of the date (each hospital's latest report on or before it, counted where that report places
   * the hospital), and the rates.
   */
  String dailyLocation() {
    String perDisease = diseases.stream()
        .map(d -> "CAST(coalesce(sum(cases) FILTER (WHERE disease = " + str(d) + "), 0) AS BIGINT) AS "
            + id(DailyLocation.casesColumn(d)))
        .collect(Collectors.joining(", "));
    List<String> columns = new ArrayList<>(DailyLocation.columns(diseases));
    return "WITH health AS MATERIALIZED (SELECT location_id, date, CAST(sum(cases) AS BIGINT) AS cases_total,"
        + " CAST(sum(deaths) AS BIGINT) AS deaths_total, CAST(sum(hospitalizations) AS BIGINT) AS hospitalizations_total"
        + (perDisease.isEmpty() ? "" : ", " + perDisease) + " FROM " + clean(RawDataset.HEALTH)
        + " GROUP BY location_id, date),"
        // the health keys from the aggregate: a union of two tables of days, not of every health row
        + " keys AS (SELECT location_id, date FROM " + clean(RawDataset.CLIMATE)
        + " UNION SELECT location_id, date FROM health),"
        + " spine AS MATERIALIZED (SELECT k.location_id, k.date, l.* EXCLUDE (location_id) FROM keys k JOIN "
        + clean(RawDataset.LOCATIONS) + " l USING (location_id)),"
        + " climate AS (SELECT s.*, c.* EXCLUDE (location_id, date),"
        + " (c.temperature_max_c + c.temperature_min_c) / 2.0 AS temperature_mean_c FROM spine s LEFT JOIN "
        + clean(RawDataset.CLIMATE) + " c USING (location_id, date)),"
        + " rolling AS (SELECT *, sum(rainfall_mm) OVER last_days AS rainfall_7d_mm,"
        + " avg(temperature_max_c) OVER last_days AS temperature_max_7d_mean_c FROM climate"
        + " WINDOW last_days AS (PARTITION BY location_id ORDER BY date"
        + " RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW)),"
        + " hospitals AS (SELECT DISTINCT location_id, hospital_id FROM " + clean(RawDataset.HOSPITAL) + "),"
        + " capacity AS (SELECT sh.location_id, sh.date, CAST(sum(h.total_beds) AS BIGINT) AS total_beds,"
        + " CAST(sum(h.icu_beds) AS BIGINT) AS icu_beds, CAST(sum(h.occupied_beds) AS BIGINT) AS occupied_beds"
        + " FROM (SELECT s.location_id, s.date, x.hospital_id FROM spine s JOIN hospitals x USING (location_id)) sh"
        + " ASOF JOIN " + clean(RawDataset.HOSPITAL) + " h ON sh.hospital_id = h.hospital_id AND sh.date >= h.report_date"
        + " WHERE h.location_id = sh.location_id GROUP BY sh.location_id, sh.date),"
        + " daily AS (SELECT r.*, h.* EXCLUDE (location_id, date),"
        + " CASE WHEN r.population > 0 THEN CAST(h.cases_total AS DOUBLE) * 100000.0::DOUBLE / r.population END"
        + " AS cases_per_100k, c.* EXCLUDE (location_id, date),"
        + " CASE WHEN c.total_beds > 0 THEN CAST(c.occupied_beds AS DOUBLE) / c.total_beds END AS bed_occupancy_rate,"
        + " CASE WHEN r.population > 0 THEN CAST(c.total_beds AS DOUBLE) * 100000.0::DOUBLE / r.population END"
        + " AS beds_per_100k, strftime(r.date, '%Y-%m') AS " + DailyLocation.MONTH
        + " FROM rolling r LEFT JOIN health h USING (location_id, date) LEFT JOIN capacity c USING (location_id, date))"
        + " SELECT " + columns.stream().map(Sql::id).collect(Collectors.joining(", ")) + " FROM daily";
  }

  private void writeReport(Map<String, DatasetAccounting> accounting, long dailyRows, double seconds) {
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("run_id", RUN_ID);
    report.put("command", "process");
    report.put("implementation", "duckdb");
    report.put("status", "success");
    report.put("duration_s", ChildTimings.round(seconds));
    report.put("details", Map.of("datasets", accounting, "daily_location_rows", dailyRows));
    Json.write(out.resolve("_runs/process/" + RUN_ID + ".json"), report);
  }

  private static void createDirectories(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /** The trimmed value of a raw column (SQL), NULL when it is one of the missing-value spellings. */
  private static String present(String quotedColumn) {
    return "CASE WHEN lower(trim(" + quotedColumn + ")) IN (" + Values.MISSING.stream().map(Sql::str)
        .collect(Collectors.joining(", ")) + ") THEN NULL ELSE trim(" + quotedColumn + ") END";
  }

  // ---- names ---------------------------------------------------------------------------------

  private static String presentName(String column) {
    return "_p_" + column;
  }

  private static String number(String column) {
    return "_n_" + column;
  }

  private static String typed(String column) {
    return "_v_" + column;
  }

  private static String checked(RawDataset dataset) {
    return "checked_" + dataset.tableName();
  }

  private static String duplicates(RawDataset dataset) {
    return "duplicates_" + dataset.tableName();
  }

  private static String rejects(RawDataset dataset, int group) {
    return "rejects_" + dataset.tableName() + "_" + group;
  }

  private static String files(RawDataset dataset) {
    return "files_" + dataset.tableName();
  }

  private static String clean(RawDataset dataset) {
    return "clean_" + dataset.tableName();
  }
}
