package org.climatehealth.pipeline.validate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;

/** The OUT_OF_RANGE checks of CONTRACT §5, per dataset, over the parsed values. */
final class RangeRules {
  private RangeRules() {}

  static List<Rule> of(RawDataset dataset) {
    List<Rule> rules = new ArrayList<>();
    switch (dataset) {
      case LOCATIONS -> {
        outside(rules, "latitude", -90, 90);
        outside(rules, "longitude", -180, 180);
        rules.add(rule(value("population").leq(0), "population", " must be greater than 0"));
      }
      case CLIMATE -> {
        outside(rules, "humidity_pct", 0, 100);
        negative(rules, "rainfall_mm");
        outside(rules, "temperature_max_c", -60, 60);
        outside(rules, "temperature_min_c", -60, 60);
        rules.add(new Rule(ReasonCode.OUT_OF_RANGE, value("temperature_min_c").gt(value("temperature_max_c")),
            concat(lit("temperature_min_c="), col("temperature_min_c"), lit(" is above temperature_max_c="),
                col("temperature_max_c"))));
      }
      case HEALTH -> {
        negative(rules, "cases");
        negative(rules, "deaths");
        negative(rules, "hospitalizations");
        rules.add(new Rule(ReasonCode.OUT_OF_RANGE, value("deaths").gt(value("cases")),
            concat(lit("deaths="), col("deaths"), lit(" is more than cases="), col("cases"))));
      }
      case HOSPITAL -> {
        negative(rules, "total_beds");
        negative(rules, "icu_beds");
        negative(rules, "occupied_beds");
        rules.add(new Rule(ReasonCode.OUT_OF_RANGE, value("occupied_beds").gt(value("total_beds")),
            concat(lit("occupied_beds="), col("occupied_beds"), lit(" is more than total_beds="),
                col("total_beds"))));
      }
    }
    return rules;
  }

  private static void outside(List<Rule> rules, String column, double min, double max) {
    rules.add(rule(value(column).lt(min).or(value(column).gt(max)), column,
        " is outside " + format(min) + ".." + format(max)));
  }

  private static void negative(List<Rule> rules, String column) {
    rules.add(rule(value(column).lt(0), column, " is negative"));
  }

  private static Rule rule(Column violated, String column, String why) {
    return new Rule(ReasonCode.OUT_OF_RANGE, violated, concat(lit(column + "="), col(column), lit(why)));
  }

  private static Column value(String column) {
    return col(Validation.typed(column));
  }

  private static String format(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }
}
