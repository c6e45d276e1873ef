package org.climatehealth.bench;

import static org.climatehealth.bench.Summaries.CHECKSUM;
import static org.climatehealth.bench.Summaries.COLUMNS;
import static org.climatehealth.bench.Summaries.DAILY_LOCATION;
import static org.climatehealth.bench.Summaries.DATASETS;
import static org.climatehealth.bench.Summaries.IMPLEMENTATION;
import static org.climatehealth.bench.Summaries.NON_NULL;
import static org.climatehealth.bench.Summaries.QUARANTINE;
import static org.climatehealth.bench.Summaries.ROWS;
import static org.climatehealth.bench.Summaries.SUM;
import static org.climatehealth.bench.Summaries.TYPE;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compares any number of {@link Summaries summaries} item by item and reports every mismatch:
 * which item, and each implementation's value. Counts, checksums and sums of integer columns must
 * be equal; sums of floating-point columns within a relative tolerance. A summary that lacks a
 * whole section (the generator manifest has no daily_location) takes no part in that section; one
 * that has the section but lacks an item shows as "missing". A reason count missing from a
 * quarantine section is 0; a sum or checksum that is null is 0 (an empty column).
 */
final class Agreement {
  /** The default relative tolerance on sums of floating-point columns. */
  static final double RELATIVE_TOLERANCE = 1e-6;

  /** One item on which the implementations disagree; values by implementation (null: missing). */
  record Mismatch(String item, Map<String, String> values) {
    @Override
    public String toString() {
      return item + ": " + values;
    }
  }

  /** The outcome: how many items were compared, and the mismatches. */
  record Result(List<String> implementations, int itemsCompared, List<Mismatch> mismatches) {
    boolean agrees() {
      return mismatches.isEmpty();
    }
  }

  private final double relativeTolerance;
  private final List<JsonNode> summaries;
  private final List<Mismatch> mismatches = new ArrayList<>();
  private int items;

  private Agreement(List<JsonNode> summaries, double relativeTolerance) {
    this.summaries = summaries;
    this.relativeTolerance = relativeTolerance;
  }

  static Result check(List<JsonNode> summaries) {
    return check(summaries, RELATIVE_TOLERANCE);
  }

  static Result check(List<JsonNode> summaries, double relativeTolerance) {
    Agreement agreement = new Agreement(summaries, relativeTolerance);
    agreement.compareAll();
    return new Result(summaries.stream().map(Agreement::name).toList(), agreement.items,
        List.copyOf(agreement.mismatches));
  }

  private static String name(JsonNode summary) {
    return summary.path(IMPLEMENTATION).asText("?");
  }

  private void compareAll() {
    List<JsonNode> daily = having(DAILY_LOCATION);
    if (daily.size() > 1) {
      compare(daily, DAILY_LOCATION + "." + ROWS, s -> s.path(DAILY_LOCATION).get(ROWS), Kind.EXACT, false);
      for (String column : keys(daily, s -> s.path(DAILY_LOCATION).path(COLUMNS))) {
        boolean integer = daily.stream().anyMatch(s -> "integer".equals(
            s.path(DAILY_LOCATION).path(COLUMNS).path(column).path(TYPE).asText()));
        String prefix = DAILY_LOCATION + "." + COLUMNS + "." + column + ".";
        compare(daily, prefix + NON_NULL, s -> column(s, column, NON_NULL), Kind.EXACT, false);
        compare(daily, prefix + SUM, s -> column(s, column, SUM), integer ? Kind.EXACT : Kind.TOLERANT, true);
        compare(daily, prefix + CHECKSUM, s -> column(s, column, CHECKSUM), Kind.EXACT, true);
      }
    }
    List<JsonNode> quarantine = having(QUARANTINE);
    if (quarantine.size() > 1) {
      for (String dataset : keys(quarantine, s -> s.path(QUARANTINE))) {
        for (String reason : keys(quarantine, s -> s.path(QUARANTINE).path(dataset))) {
          compare(quarantine, QUARANTINE + "." + dataset + "." + reason,
              s -> s.path(QUARANTINE).path(dataset).path(reason), Kind.EXACT, true);
        }
      }
    }
    List<JsonNode> datasets = having(DATASETS);
    if (datasets.size() > 1) {
      for (String dataset : keys(datasets, s -> s.path(DATASETS))) {
        for (String field : keys(datasets, s -> s.path(DATASETS).path(dataset))) {
          compare(datasets, DATASETS + "." + dataset + "." + field, s -> s.path(DATASETS).path(dataset).get(field),
              Kind.EXACT, false);
        }
      }
    }
  }

  /** A column's field, or a missing node when the summary lacks the column itself. */
  private static JsonNode column(JsonNode summary, String column, String field) {
    JsonNode entry = summary.path(DAILY_LOCATION).path(COLUMNS).get(column);
    if (entry == null || "absent".equals(entry.path(TYPE).asText())) {
      return null;
    }
    JsonNode value = entry.get(field);
    return value == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : value;
  }

  private enum Kind { EXACT, TOLERANT }

  private List<JsonNode> having(String section) {
    return summaries.stream().filter(s -> s.path(section).isObject()).toList();
  }

  private static Set<String> keys(List<JsonNode> summaries, java.util.function.Function<JsonNode, JsonNode> node) {
    Set<String> keys = new LinkedHashSet<>();
    summaries.forEach(s -> node.apply(s).fieldNames().forEachRemaining(keys::add));
    return keys;
  }

  /**
   * Compares one item across summaries. {@code value} gives null when the summary lacks the item
   * (a mismatch unless {@code nullIsZero}), a null node for a JSON null.
   */
  private void compare(List<JsonNode> among, String item, java.util.function.Function<JsonNode, JsonNode> value,
      Kind kind, boolean nullIsZero) {
    items++;
    Map<String, String> shown = new LinkedHashMap<>();
    List<BigDecimal> numbers = new ArrayList<>();
    boolean missing = false;
    for (JsonNode summary : among) {
      JsonNode node = value.apply(summary);
      if (node == null || node.isMissingNode()) {
        if (nullIsZero) {
          numbers.add(BigDecimal.ZERO);
          shown.put(name(summary), "0 (absent)");
        } else {
          missing = true;
          shown.put(name(summary), null);
        }
        continue;
      }
      BigDecimal number = Summaries.decimal(node);
      if (number == null && (node.isNull() && nullIsZero)) {
        number = BigDecimal.ZERO;
      }
      if (number == null && !node.isNull()) {
        missing = true; // not a number: never equal
      }
      numbers.add(number);
      shown.put(name(summary), node.isNull() ? "null" : node.asText());
    }
    if (missing || !agree(numbers, kind)) {
      mismatches.add(new Mismatch(item, shown));
    }
  }

  private boolean agree(List<BigDecimal> numbers, Kind kind) {
    BigDecimal first = numbers.get(0);
    for (BigDecimal other : numbers.subList(1, numbers.size())) {
      if (first == null || other == null) {
        if (first != other) {
          return false;
        }
        continue;
      }
      if (kind == Kind.EXACT) {
        if (first.compareTo(other) != 0) {
          return false;
        }
      } else {
        double a = first.doubleValue();
        double b = other.doubleValue();
        if (Math.abs(a - b) > relativeTolerance * Math.max(Math.abs(a), Math.abs(b)) + 1e-9) {
          return false;
        }
      }
    }
    return true;
  }
}
