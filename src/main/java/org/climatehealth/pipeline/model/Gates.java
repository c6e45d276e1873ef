package org.climatehealth.pipeline.model;

import java.util.Locale;
import org.climatehealth.pipeline.registry.ModelMetadata.Gate;

/** Quality gates: a metric against a configured bound, with a one-line verdict that says by how much. */
public final class Gates {
  private Gates() {}

  /** The gate {@code metric >= minimum}. A missing value (NaN, null) fails with {@code why}. */
  public static Gate atLeast(String metric, Double value, double minimum, String whyMissing) {
    if (missing(value)) {
      return new Gate(metric, ">=", minimum, null, false, metric + " could not be computed: " + whyMissing);
    }
    boolean passed = value >= minimum;
    return new Gate(metric, ">=", minimum, value, passed, passed
        ? format("%s %s meets the gate's minimum %s", metric, value, minimum)
        : format("%s %s is %s below the gate's minimum %s", metric, value, minimum - value, minimum));
  }

  /** The gate {@code metric <= maximum}. */
  public static Gate atMost(String metric, Double value, double maximum, String whyMissing) {
    if (missing(value)) {
      return new Gate(metric, "<=", maximum, null, false, metric + " could not be computed: " + whyMissing);
    }
    boolean passed = value <= maximum;
    return new Gate(metric, "<=", maximum, value, passed, passed
        ? format("%s %s is within the gate's maximum %s", metric, value, maximum)
        : format("%s %s is %s above the gate's maximum %s", metric, value, value - maximum, maximum));
  }

  /** The gate {@code metric < bound} (strictly: to beat a baseline). {@code boundName} says what the bound is. */
  public static Gate below(String metric, Double value, double bound, String boundName, String whyMissing) {
    if (missing(value) || Double.isNaN(bound)) {
      return new Gate(metric, "<", bound, missing(value) ? null : value, false,
          metric + " could not be compared: " + whyMissing);
    }
    boolean passed = value < bound;
    return new Gate(metric, "<", bound, value, passed, passed
        ? format("%s %s beats %s %s by %s", metric, value, boundName, bound, bound - value)
        : format("%s %s does not beat %s %s (short by %s)", metric, value, boundName, bound, value - bound));
  }

  private static boolean missing(Double value) {
    return value == null || value.isNaN() || value.isInfinite();
  }

  /** Numbers to 4 significant decimals, so messages stay readable. */
  private static String format(String pattern, Object... args) {
    Object[] shown = new Object[args.length];
    for (int i = 0; i < args.length; i++) {
      shown[i] = args[i] instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : args[i];
    }
    return String.format(Locale.ROOT, pattern.replace("%s", "%s"), shown);
  }
}
