package org.climatehealth.bench;

import static org.climatehealth.bench.Sql.id;
import static org.climatehealth.bench.Sql.str;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.climatehealth.pipeline.dataset.DailyLocation;
import org.climatehealth.pipeline.dataset.RawDataset;

/**
 * The summary every implementation of {@code process} is reduced to, so that they can be compared
 * (see {@link Agreement}). One JSON object:
 *
 * <pre>
 * {"implementation": "...",
 *  "daily_location": {"rows": N, "columns": {"&lt;col&gt;": {"type": "integer|double|string|date",
 *      "non_null": N, "sum": number or null, "checksum": number or null}}},
 *  "quarantine": {"&lt;dataset&gt;": {"&lt;REASON_CODE&gt;": count}},
 *  "datasets": {"&lt;dataset&gt;": {"rows_read": N, "rows_valid": N, "rows_quarantined": N,
 *      "duplicates_collapsed": N}}}
 * </pre>
 *
 * Numeric columns have {@code sum} (exact for integers); string and date columns have
 * {@code checksum}: the sum over non-null rows of the CRC32 of the value's UTF-8 text (dates as
 * {@code yyyy-MM-dd}), modulo 2^63. {@code type} is informative (it tells the checker which sums
 * must be exact); other writers may leave it out.
 */
final class Summaries {
  static final String IMPLEMENTATION = "implementation";
  static final String DAILY_LOCATION = "daily_location";
  static final String QUARANTINE = "quarantine";
  static final String DATASETS = "datasets";
  static final String ROWS = "rows";
  static final String COLUMNS = "columns";
  static final String TYPE = "type";
  static final String NON_NULL = "non_null";
  static final String SUM = "sum";
  static final String CHECKSUM = "checksum";
  static final List<String> ACCOUNTING = List.of("rows_read", "rows_valid", "rows_quarantined", "duplicates_collapsed");

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Summaries() {}

  /** The daily_location columns that are compared: the contract's, for these diseases, and the partition column. */
  static List<String> comparedColumns(List<String> diseases) {
    return DailyLocation.columns(diseases);
  }

  /**
   * The summary of a processed store in the contract's layout, as Spark's {@code process} and
   * {@link DuckDbProcess} write it: {@code processed/daily_location/} (Parquet),
   * {@code quarantine/<dataset>/run_id=<runId>/} (JSON Lines, {@code _reason}) and the run
   * report {@code _runs/process/<runId>.json} ({@code details.datasets}: the row accounting).
   */
  static ObjectNode ofProcessedStore(String implementation, Path store, String runId, List<String> diseases) {
    ObjectNode summary = NODES.objectNode();
    summary.put(IMPLEMENTATION, implementation);
    try (Connection db = Sql.duckdb()) {
      summary.set(DAILY_LOCATION, dailyLocation(db, store.resolve(DailyLocation.FOLDER), comparedColumns(diseases)));
      ObjectNode quarantine = summary.putObject(QUARANTINE);
      for (RawDataset dataset : RawDataset.values()) {
        quarantine.set(dataset.tableName(), reasons(db, store.resolve("quarantine/" + dataset.tableName()
            + "/run_id=" + runId)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage(), e);
    }
    JsonNode report = Json.read(store.resolve("_runs/process/" + runId + ".json"));
    JsonNode datasets = report.path("details").path(DATASETS);
    if (!datasets.isObject()) {
      throw new IllegalStateException(store.resolve("_runs/process/" + runId + ".json")
          + " has no details.datasets (the row accounting)");
    }
    ObjectNode accounting = summary.putObject(DATASETS);
    for (RawDataset dataset : RawDataset.values()) {
      ObjectNode entry = accounting.putObject(dataset.tableName());
      for (String field : ACCOUNTING) {
        entry.set(field, datasets.path(dataset.tableName()).get(field));
      }
    }
    return summary;
  }

  /** What {@code generate} says processing must report (accounting and reasons; no daily_location). */
  static ObjectNode ofGeneratorManifest(Path manifest) {
    JsonNode datasets = Json.read(manifest).path(DATASETS);
    ObjectNode summary = NODES.objectNode();
    summary.put(IMPLEMENTATION, "generator manifest");
    ObjectNode quarantine = summary.putObject(QUARANTINE);
    ObjectNode accounting = summary.putObject(DATASETS);
    datasets.fields().forEachRemaining(entry -> {
      JsonNode expected = entry.getValue().path("expected");
      quarantine.set(entry.getKey(), expected.path("reasons").deepCopy());
      ObjectNode counts = accounting.putObject(entry.getKey());
      ACCOUNTING.forEach(field -> counts.set(field, expected.get(field)));
    });
    return summary;
  }

  private static ObjectNode dailyLocation(Connection db, Path table, List<String> columns) {
    ObjectNode daily = NODES.objectNode();
    String source = "read_parquet(" + str(table.resolve("**").resolve("*.parquet").toString())
        + ", hive_partitioning = true, hive_types = {" + str(DailyLocation.MONTH) + ": 'VARCHAR'})";
    if (!hasFiles(table, ".parquet")) {
      daily.put(ROWS, 0);
      ObjectNode empty = daily.putObject(COLUMNS);
      columns.forEach(c -> empty.putObject(c).put(NON_NULL, 0).putNull(SUM).putNull(CHECKSUM));
      return daily;
    }
    Map<String, String> types = new LinkedHashMap<>();
    Sql.query(db, "DESCRIBE SELECT * FROM " + source, row -> types.put(row.getString(1), row.getString(2)));
    List<String> aggregates = new ArrayList<>(List.of("count(*)"));
    for (String column : columns) {
      String type = types.get(column);
      if (type == null) {
        continue;
      }
      aggregates.add("count(" + id(column) + ")");
      aggregates.add(switch (kind(type)) {
        case "integer" -> "CAST(sum(" + id(column) + ") AS VARCHAR)";
        case "double" -> "fsum(" + id(column) + ")";
        default -> "NULL";
      });
    }
    List<Object> values = Sql.query(db, "SELECT " + String.join(", ", aggregates) + " FROM " + source, row -> {
      List<Object> all = new ArrayList<>();
      for (int i = 1; i <= aggregates.size(); i++) {
        all.add(row.getObject(i));
      }
      return all;
    }).get(0);
    daily.put(ROWS, ((Number) values.get(0)).longValue());
    ObjectNode stats = daily.putObject(COLUMNS);
    int next = 1;
    for (String column : columns) {
      String type = types.get(column);
      ObjectNode entry = stats.putObject(column);
      if (type == null) {
        entry.put(TYPE, "absent");
        continue;
      }
      String kind = kind(type);
      entry.put(TYPE, kind);
      entry.put(NON_NULL, ((Number) values.get(next++)).longValue());
      Object sum = values.get(next++);
      switch (kind) {
        case "integer" -> entry.put(SUM, sum == null ? BigInteger.ZERO : new BigInteger(sum.toString()));
        case "double" -> entry.put(SUM, sum == null ? 0.0 : ((Number) sum).doubleValue());
        default -> entry.putNull(SUM);
      }
      if (kind.equals("string") || kind.equals("date")) {
        entry.put(CHECKSUM, checksum(db, source, column));
      } else {
        entry.putNull(CHECKSUM);
      }
    }
    return daily;
  }

  /** integer, double, date or string, from a DuckDB type name. */
  private static String kind(String duckdbType) {
    String type = duckdbType.toUpperCase(Locale.ROOT);
    if (type.equals("DATE")) {
      return "date";
    }
    if (type.matches("(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)")) {
      return "integer";
    }
    if (type.matches("(FLOAT|DOUBLE|DECIMAL.*)")) {
      return "double";
    }
    return "string";
  }

  /** Sum over non-null rows of CRC32(UTF-8 text), modulo 2^63; computed per distinct value. */
  private static long checksum(Connection db, String source, String column) {
    long[] sum = new long[1];
    Sql.query(db, "SELECT CAST(" + id(column) + " AS VARCHAR), count(*) FROM " + source + " WHERE " + id(column)
        + " IS NOT NULL GROUP BY 1", row -> {
          sum[0] += crc32(row.getString(1)) * row.getLong(2);
          return null;
        });
    return sum[0] & Long.MAX_VALUE;
  }

  static long crc32(String text) {
    CRC32 crc = new CRC32();
    crc.update(text.getBytes(StandardCharsets.UTF_8));
    return crc.getValue();
  }

  /** Rows per {@code _reason} in a quarantine folder of JSON Lines files (empty when there is none). */
  private static ObjectNode reasons(Connection db, Path folder) {
    ObjectNode reasons = NODES.objectNode();
    if (!hasFiles(folder, ".json")) {
      return reasons;
    }
    Sql.query(db, "SELECT _reason, count(*) FROM read_json(" + str(folder.resolve("**").resolve("*.json").toString())
        + ", format = 'newline_delimited', columns = {'_reason': 'VARCHAR'}) GROUP BY 1 ORDER BY 1", row -> {
          reasons.put(row.getString(1) == null ? "null" : row.getString(1), row.getLong(2));
          return null;
        });
    return reasons;
  }

  private static boolean hasFiles(Path folder, String suffix) {
    if (!Files.isDirectory(folder)) {
      return false;
    }
    try (Stream<Path> files = Files.walk(folder)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith(suffix)
          && !f.getFileName().toString().startsWith("."));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
  }


  /** A number of a summary as an exact decimal (null stays null). */
  static BigDecimal decimal(JsonNode value) {
    return value == null || value.isNull() || !value.isNumber() ? null : value.decimalValue();
  }
}
