package org.climatehealth.pipeline.generate;

import org.climatehealth.pipeline.ingest.RawHeader;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.climatehealth.pipeline.dataset.ColumnType;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;

/**
 * A small, independent reading of the CONTRACT §5 validation rules, for tests only: what a correct
 * {@code process} must make of some raw lines. Used to check that the generator's manifest tells
 * the truth about the lines it wrote.
 */
final class ContractRules {
  private static final Set<String> MISSING = Set.of("", "NA", "N/A", "null", "-");
  private static final List<DateTimeFormatter> DATES = List.of(
      DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT),
      DateTimeFormatter.ofPattern("dd/MM/uuuu").withResolverStyle(ResolverStyle.STRICT),
      DateTimeFormatter.ofPattern("uuuu/MM/dd").withResolverStyle(ResolverStyle.STRICT),
      DateTimeFormatter.ofPattern("dd-MM-uuuu").withResolverStyle(ResolverStyle.STRICT));
  private static final Pattern DECIMAL = Pattern.compile("-?\\d+(\\.\\d+)?");
  private static final Pattern COUNT = Pattern.compile("-?\\d+(\\.0+)?");

  /** The accounting of one dataset. */
  record Outcome(long read, long valid, long quarantined, long collapsed, Map<ReasonCode, Long> reasons,
      Set<String> validIds) {}

  private ContractRules() {}

  /** Splits a CSV line as the header reader does: commas separate, double quotes quote, "" is a quote. */
  static List<String> split(String line) {
    return RawHeader.splitCsvLine(line);
  }

  /**
   * Applies the rules to the data lines of a dataset (header excluded), each line's bytes as
   * ISO-8859-1 characters (one character per byte, so that its UTF-8 can be checked).
   * {@code knownLocations} is null for the locations dataset itself.
   */
  static Outcome check(RawDataset dataset, List<String> lines, Set<String> knownLocations) {
    List<RawDataset.Column> columns = dataset.columns();
    Map<ReasonCode, Long> reasons = new EnumMap<>(ReasonCode.class);
    Map<List<Object>, List<List<Object>>> byKey = new LinkedHashMap<>();
    for (String bytes : lines) {
      String line = utf8(bytes);
      List<String> fields = line == null ? List.of() : split(line);
      ReasonCode reason = null;
      List<Object> values = new ArrayList<>();
      if (line == null || line.chars().filter(c -> c == '"').count() % 2 == 1 || fields.size() != columns.size()) {
        // not UTF-8, a quote not closed on the line, or not the header's number of fields
        reason = ReasonCode.MALFORMED_ROW;
      } else {
        reason = firstProblem(dataset, fields, values, knownLocations);
      }
      if (reason != null) {
        reasons.merge(reason, 1L, Long::sum);
        continue;
      }
      List<Object> key = dataset.key().stream().map(k -> values.get(dataset.columnNames().indexOf(k))).toList();
      byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(values);
    }
    long valid = 0;
    long collapsed = 0;
    Set<String> validIds = new java.util.TreeSet<>();
    for (Map.Entry<List<Object>, List<List<Object>>> group : byKey.entrySet()) {
      List<List<Object>> rows = group.getValue();
      if (rows.stream().distinct().count() == 1) {
        valid++;
        collapsed += rows.size() - 1;
        validIds.add(String.valueOf(group.getKey().get(0)));
      } else {
        reasons.merge(ReasonCode.DUPLICATE_KEY_CONFLICT, (long) rows.size(), Long::sum);
      }
    }
    long quarantined = reasons.values().stream().mapToLong(Long::longValue).sum();
    return new Outcome(lines.size(), valid, quarantined, collapsed, reasons, validIds);
  }

  /** The text of a line given as ISO-8859-1 characters, or null when its bytes are not UTF-8. */
  static String utf8(String latin1) {
    try {
      return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(latin1.getBytes(StandardCharsets.ISO_8859_1))).toString();
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  private static ReasonCode firstProblem(RawDataset dataset, List<String> fields, List<Object> values,
      Set<String> knownLocations) {
    List<RawDataset.Column> columns = dataset.columns();
    List<String> text = new ArrayList<>();
    for (String field : fields) {
      String trimmed = field.strip();
      text.add(MISSING.contains(trimmed) ? null : trimmed);
    }
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).required() && text.get(i) == null) {
        return ReasonCode.MISSING_REQUIRED;
      }
    }
    for (int i = 0; i < columns.size(); i++) {
      if (columns.get(i).type() == ColumnType.DATE && text.get(i) != null && date(text.get(i)) == null) {
        return ReasonCode.BAD_DATE;
      }
    }
    for (int i = 0; i < columns.size(); i++) {
      String value = text.get(i);
      ColumnType type = columns.get(i).type();
      if (value != null && (type == ColumnType.DECIMAL && !DECIMAL.matcher(value).matches()
          || type == ColumnType.COUNT && !COUNT.matcher(value).matches())) {
        return ReasonCode.BAD_NUMBER;
      }
    }
    for (int i = 0; i < columns.size(); i++) {
      String value = text.get(i);
      values.add(value == null ? null : switch (columns.get(i).type()) {
        case ID -> value.toUpperCase(Locale.ROOT);
        case CATEGORY -> value.toLowerCase(Locale.ROOT);
        case DATE -> date(value);
        case DECIMAL, COUNT -> new BigDecimal(value).stripTrailingZeros();
        case TEXT -> value;
      });
    }
    if (outOfRange(dataset, values)) {
      return ReasonCode.OUT_OF_RANGE;
    }
    if (knownLocations != null && !knownLocations.contains((String) values.get(dataset.columnNames().indexOf("location_id")))) {
      return ReasonCode.UNKNOWN_LOCATION;
    }
    return null;
  }

  private static boolean outOfRange(RawDataset dataset, List<Object> values) {
    Map<String, Double> n = new LinkedHashMap<>();
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) instanceof BigDecimal number) {
        n.put(dataset.columnNames().get(i), number.doubleValue());
      }
    }
    for (String column : List.of("rainfall_mm", "cases", "deaths", "hospitalizations", "total_beds", "icu_beds",
        "occupied_beds")) {
      if (n.containsKey(column) && n.get(column) < 0) {
        return true;
      }
    }
    if (n.containsKey("humidity_pct") && (n.get("humidity_pct") < 0 || n.get("humidity_pct") > 100)) {
      return true;
    }
    for (String column : List.of("temperature_max_c", "temperature_min_c")) {
      if (n.containsKey(column) && (n.get(column) < -60 || n.get(column) > 60)) {
        return true;
      }
    }
    if (n.containsKey("temperature_max_c") && n.containsKey("temperature_min_c")
        && n.get("temperature_min_c") > n.get("temperature_max_c")) {
      return true;
    }
    if (n.containsKey("occupied_beds") && n.containsKey("total_beds") && n.get("occupied_beds") > n.get("total_beds")) {
      return true;
    }
    if (n.containsKey("deaths") && n.containsKey("cases") && n.get("deaths") > n.get("cases")) {
      return true;
    }
    if (n.containsKey("latitude") && Math.abs(n.get("latitude")) > 90
        || n.containsKey("longitude") && Math.abs(n.get("longitude")) > 180) {
      return true;
    }
    return n.containsKey("population") && n.get("population") <= 0;
  }

  private static LocalDate date(String text) {
    for (DateTimeFormatter format : DATES) {
      try {
        return LocalDate.parse(text, format);
      } catch (java.time.format.DateTimeParseException e) {
        // try the next format
      }
    }
    return null;
  }
}
