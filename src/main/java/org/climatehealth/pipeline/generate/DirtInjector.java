package org.climatehealth.pipeline.generate;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.climatehealth.pipeline.dataset.ColumnType;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;

/**
 * Writes a dataset's clean rows, making each one dirty with probability {@code fraction}: the row
 * gets exactly one defect or variant, the kinds taken in turn so that every kind appears once
 * enough rows are dirty, and the forms within a kind in turn too. Every row is tallied with what
 * processing must make of it (CONTRACT §5).
 *
 * <p>No injected row can share a key with another row by accident: rows stay on their own key
 * (variants, defects that quarantine them), an unknown location gets an id of its own, and only
 * the duplicate kinds write a second row with the same key, on purpose.
 */
final class DirtInjector {

  /** The kinds of dirt, in the order they take turns. */
  enum Kind {
    ALTERNATIVE_DATE, MISSING_OPTIONAL, SPACED_LOWER_CASE_ID, SPACED_UPPER_CASE_CATEGORY, QUOTED,
    COUNT_WITH_ZERO_DECIMAL, MALFORMED_ROW, MISSING_REQUIRED, BAD_DATE, BAD_NUMBER, OUT_OF_RANGE,
    UNKNOWN_LOCATION, EXACT_DUPLICATE, CONFLICTING_DUPLICATE
  }

  /** The spellings of a missing value. */
  static final List<String> MISSING = List.of("", "NA", "N/A", "null", "-");

  /** Accepted date formats other than ISO. */
  static final List<DateTimeFormatter> OTHER_DATE_FORMATS = List.of(
      DateTimeFormatter.ofPattern("dd/MM/uuuu", Locale.ROOT),
      DateTimeFormatter.ofPattern("uuuu/MM/dd", Locale.ROOT),
      DateTimeFormatter.ofPattern("dd-MM-uuuu", Locale.ROOT));

  /**
   * Written after a name, in a line that is not UTF-8: {@code " Santé"} with the {@code é} as one
   * Latin-1 byte (the sink writes every character as one byte).
   */
  static final String LATIN1_NAME_SUFFIX = " Sant\u00e9";
  /** Written after a number, in a line that is not UTF-8: a degree sign as one Latin-1 byte. */
  static final String LATIN1_DEGREE = "\u00b0";

  /** The prefix of the made-up location ids of UNKNOWN_LOCATION rows. */
  static final String UNKNOWN_LOCATION_PREFIX = "ZZ-NOWHERE-";

  private final RawDataset dataset;
  private final double fraction;
  private final Rng rng;
  private final Tally tally;
  private final List<Kind> kinds = new ArrayList<>();
  private final Map<String, int[]> turns = new HashMap<>();
  private long dirtyRows;
  private long unknownLocations;

  private final int date;
  private final int location;
  private final int[] ids;
  private final int[] categories;
  private final int[] texts;
  private final int[] counts;
  private final int[] numbers;
  private final int[] required;
  private final int[] optional;

  DirtInjector(RawDataset dataset, double fraction, Rng rng, Tally tally) {
    this.dataset = dataset;
    this.fraction = fraction;
    this.rng = rng;
    this.tally = tally;
    this.date = Columns.index(dataset, dataset.dateColumn().orElseThrow());
    this.location = Columns.index(dataset, Columns.LOCATION_ID);
    this.ids = Columns.matching(dataset, c -> c.type() == ColumnType.ID);
    this.categories = Columns.matching(dataset, c -> c.type() == ColumnType.CATEGORY);
    this.texts = Columns.matching(dataset, c -> c.type() == ColumnType.TEXT);
    this.counts = Columns.matching(dataset, c -> c.type() == ColumnType.COUNT);
    this.numbers = Columns.matching(dataset, c -> c.type() == ColumnType.COUNT || c.type() == ColumnType.DECIMAL);
    this.required = Columns.matching(dataset, RawDataset.Column::required);
    this.optional = Columns.matching(dataset, c -> !c.required() && c.type() != ColumnType.ID);
    for (Kind kind : Kind.values()) {
      boolean applies = switch (kind) {
        case SPACED_UPPER_CASE_CATEGORY -> categories.length > 0;
        case COUNT_WITH_ZERO_DECIMAL -> counts.length > 0;
        default -> true;
      };
      if (applies) {
        kinds.add(kind);
      }
    }
  }

  /** Writes one clean row (fields in the dataset's column order), or its dirty replacement. */
  void emit(String[] row, CsvSink sink) {
    if (fraction <= 0 || !rng.chance(fraction)) {
      sink.row(Csv.line(row));
      tally.valid();
      return;
    }
    Kind kind = kinds.get((int) (dirtyRows++ % kinds.size()));
    String[] dirty = row.clone();
    switch (kind) {
      case ALTERNATIVE_DATE -> {
        dirty[date] = otherDateFormat(row[date], turn("alternative_date"));
        valid("alternative_date_format", Csv.line(dirty), sink);
      }
      case MISSING_OPTIONAL -> {
        int t = turn("missing_optional");
        dirty[optional[t % optional.length]] = MISSING.get(t / optional.length % MISSING.size());
        valid("missing_optional_value", Csv.line(dirty), sink);
      }
      case SPACED_LOWER_CASE_ID -> {
        int column = ids[turn("spaced_id") % ids.length];
        dirty[column] = " " + row[column].toLowerCase(Locale.ROOT) + " ";
        valid("spaced_lower_case_id", Csv.line(dirty), sink);
      }
      case SPACED_UPPER_CASE_CATEGORY -> {
        int column = categories[turn("spaced_category") % categories.length];
        dirty[column] = " " + row[column].toUpperCase(Locale.ROOT) + " ";
        valid("spaced_upper_case_" + dataset.columnNames().get(column), Csv.line(dirty), sink);
      }
      case QUOTED -> {
        if (texts.length > 0) {
          int column = texts[turn("quoted_comma") % texts.length];
          dirty[column] = row[column] + ", Annexe";
          valid("quoted_comma", Csv.line(dirty), sink);
        } else {
          int column = turn("quoted_field") % 2 == 0 ? date : location;
          valid("quoted_field", Csv.line(dirty, column), sink);
        }
      }
      case COUNT_WITH_ZERO_DECIMAL -> {
        int column = counts[turn("zero_decimal") % counts.length];
        dirty[column] = row[column] + ".0";
        valid("count_with_zero_decimal", Csv.line(dirty), sink);
      }
      case MALFORMED_ROW -> malformed(row, dirty, sink);
      case MISSING_REQUIRED -> {
        int t = turn("missing_required");
        dirty[required[t % required.length]] = MISSING.get(t / required.length % MISSING.size());
        quarantined(ReasonCode.MISSING_REQUIRED, "missing_required_value", Csv.line(dirty), sink);
      }
      case BAD_DATE -> badDate(row, dirty, sink);
      case BAD_NUMBER -> badNumber(row, dirty, sink);
      case OUT_OF_RANGE -> outOfRange(row, dirty, sink);
      case UNKNOWN_LOCATION -> {
        dirty[location] = UNKNOWN_LOCATION_PREFIX + ++unknownLocations;
        quarantined(ReasonCode.UNKNOWN_LOCATION, "unknown_location", Csv.line(dirty), sink);
      }
      case EXACT_DUPLICATE -> {
        String line = Csv.line(row);
        write(line, sink);
        tally.valid();
        if (turn("exact_duplicate") % 2 == 0) {
          collapsed("exact_duplicate", line, sink);
        } else {
          dirty[date] = otherDateFormat(row[date], turn("normalised_duplicate_date"));
          for (int column : ids) {
            dirty[column] = " " + row[column].toLowerCase(Locale.ROOT) + " ";
          }
          collapsed("duplicate_after_normalisation", Csv.line(dirty), sink);
        }
      }
      case CONFLICTING_DUPLICATE -> {
        conflict(row, dirty);
        quarantined(ReasonCode.DUPLICATE_KEY_CONFLICT, "conflicting_duplicate", Csv.line(row), sink);
        quarantined(ReasonCode.DUPLICATE_KEY_CONFLICT, "conflicting_duplicate", Csv.line(dirty), sink);
      }
      default -> throw new IllegalStateException("unhandled " + kind);
    }
  }

  /**
   * A row that is not a CSV record of the header's shape, five forms in turn: a field too many, the
   * last field missing, a line that is not UTF-8 (a Latin-1 character in a name, or after a
   * number), a location id opened with a double quote that is never closed (the commas where they
   * were: only the quote tells), and a quoted line break (in a name, or in the location id), which
   * splits the record into two lines, each with one quote: two rows read, both quarantined, as
   * records are lines.
   */
  private void malformed(String[] row, String[] dirty, CsvSink sink) {
    switch (turn("malformed") % 5) {
      case 0 -> quarantined(ReasonCode.MALFORMED_ROW, "extra_field", Csv.line(row) + "," + row[row.length - 1], sink);
      case 1 -> quarantined(ReasonCode.MALFORMED_ROW, "missing_last_field",
          Csv.line(Arrays.copyOf(row, row.length - 1)), sink);
      case 2 -> {
        int column = texts.length > 0 ? texts[0] : numbers[0];
        dirty[column] = row[column] + (texts.length > 0 ? LATIN1_NAME_SUFFIX : LATIN1_DEGREE);
        quarantined(ReasonCode.MALFORMED_ROW, "not_utf8", Csv.line(dirty), sink);
      }
      case 3 -> quarantined(ReasonCode.MALFORMED_ROW, "unclosed_quote",
          Csv.line(row, location, "\"" + row[location]), sink);
      default -> {
        int column = texts.length > 0 ? texts[0] : location;
        String value = row[column];
        dirty[column] = value.substring(0, value.length() / 2) + "\n" + value.substring(value.length() / 2);
        for (String line : Csv.line(dirty).split("\n", -1)) {
          quarantined(ReasonCode.MALFORMED_ROW, "quoted_line_break", line, sink);
        }
      }
    }
  }

  private void badDate(String[] row, String[] dirty, CsvSink sink) {
    String iso = row[date];
    String year = iso.substring(0, 4);
    int t = turn("bad_date");
    if (t % 2 == 0) {
      dirty[date] = switch (t / 2 % 4) {
        case 0 -> year + "-02-30";
        case 1 -> year + "-13-" + iso.substring(8, 10);
        case 2 -> "31/04/" + year;
        default -> "30-02-" + year;
      };
      quarantined(ReasonCode.BAD_DATE, "impossible_date", Csv.line(dirty), sink);
    } else {
      dirty[date] = List.of("yesterday", "TBD", "week 12").get(t / 2 % 3);
      quarantined(ReasonCode.BAD_DATE, "junk_date", Csv.line(dirty), sink);
    }
  }

  private void badNumber(String[] row, String[] dirty, CsvSink sink) {
    int t = turn("bad_number");
    if (counts.length > 0 && t % 2 == 1) {
      int column = counts[t / 2 % counts.length];
      dirty[column] = row[column] + ".5";
      quarantined(ReasonCode.BAD_NUMBER, "fractional_count", Csv.line(dirty), sink);
    } else {
      int u = turn("non_numeric");
      int column = numbers[u % numbers.length];
      dirty[column] = u / numbers.length % 2 == 0 ? row[column] + "x" : "abc";
      quarantined(ReasonCode.BAD_NUMBER, "non_numeric", Csv.line(dirty), sink);
    }
  }

  private void outOfRange(String[] row, String[] dirty, CsvSink sink) {
    int t = turn("out_of_range");
    String form;
    switch (dataset) {
      case CLIMATE -> {
        switch (t % 4) {
          case 0 -> {
            String[] sentinelColumns = {Columns.TEMPERATURE_MAX, Columns.TEMPERATURE_MIN, Columns.HUMIDITY,
                Columns.RAINFALL};
            dirty[Columns.index(dataset, sentinelColumns[t / 4 % sentinelColumns.length])] = "-999";
            form = "sentinel_-999";
          }
          case 1 -> {
            dirty[Columns.index(dataset, Columns.HUMIDITY)] = "140";
            form = "humidity_above_100";
          }
          case 2 -> {
            double max = Double.parseDouble(row[Columns.index(dataset, Columns.TEMPERATURE_MAX)]);
            dirty[Columns.index(dataset, Columns.TEMPERATURE_MIN)] = Csv.decimal1(max + 2.5);
            form = "min_above_max";
          }
          default -> {
            dirty[Columns.index(dataset, Columns.RAINFALL)] = "-3.5";
            form = "negative_rainfall";
          }
        }
      }
      case HEALTH -> {
        int cases = Columns.index(dataset, Columns.CASES);
        int deaths = Columns.index(dataset, Columns.DEATHS);
        switch (t % 3) {
          case 0 -> {
            dirty[cases] = "-999";
            form = "sentinel_-999";
          }
          case 1 -> {
            dirty[deaths] = Long.toString(Long.parseLong(row[cases]) + 1 + t % 4);
            form = "deaths_above_cases";
          }
          default -> {
            dirty[deaths] = "-2";
            form = "negative_count";
          }
        }
      }
      case HOSPITAL -> {
        int total = Columns.index(dataset, Columns.TOTAL_BEDS);
        switch (t % 3) {
          case 0 -> {
            dirty[total] = "-999";
            form = "sentinel_-999";
          }
          case 1 -> {
            dirty[Columns.index(dataset, Columns.OCCUPIED_BEDS)] = Long.toString(Long.parseLong(row[total]) + 5 + t % 20);
            form = "occupied_above_total";
          }
          default -> {
            dirty[Columns.index(dataset, Columns.ICU_BEDS)] = "-4";
            form = "negative_count";
          }
        }
      }
      default -> throw new IllegalStateException("no range rules for " + dataset);
    }
    quarantined(ReasonCode.OUT_OF_RANGE, form, Csv.line(dirty), sink);
  }

  /** Changes one value of the copy so that it is still valid but differs from the original. */
  private void conflict(String[] row, String[] copy) {
    switch (dataset) {
      case CLIMATE -> {
        int rainfall = Columns.index(dataset, Columns.RAINFALL);
        copy[rainfall] = Csv.decimal1(Double.parseDouble(row[rainfall]) + 1.5);
      }
      case HEALTH -> {
        int cases = Columns.index(dataset, Columns.CASES);
        copy[cases] = Long.toString(Long.parseLong(row[cases]) + 1 + rng.nextInt(3));
      }
      case HOSPITAL -> {
        int total = Columns.index(dataset, Columns.TOTAL_BEDS);
        copy[total] = Long.toString(Long.parseLong(row[total]) + 1 + rng.nextInt(5));
      }
      default -> throw new IllegalStateException("no conflicts for " + dataset);
    }
  }

  private static String otherDateFormat(String iso, int turn) {
    return LocalDate.parse(iso).format(OTHER_DATE_FORMATS.get(turn % OTHER_DATE_FORMATS.size()));
  }

  /** How many times {@code form} has been used before (0 the first time). */
  private int turn(String form) {
    return turns.computeIfAbsent(form, k -> new int[1])[0]++;
  }

  private void valid(String form, String line, CsvSink sink) {
    tally.variant(form, sink, line);
    write(line, sink);
  }

  private void quarantined(ReasonCode reason, String form, String line, CsvSink sink) {
    tally.quarantined(reason, form, sink, line);
    write(line, sink);
  }

  private void collapsed(String form, String line, CsvSink sink) {
    tally.collapsed(form, sink, line);
    write(line, sink);
  }

  private static void write(String line, CsvSink sink) {
    sink.row(line);
  }
}
