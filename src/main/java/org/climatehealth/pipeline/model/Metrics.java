package org.climatehealth.pipeline.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Why evaluation metrics could not be computed. A metric that is not a finite number (NaN when a
 * hold-out has one class, no rows, nothing to compare) is written as JSON {@code null}, and its
 * reason goes beside it in the metadata's {@code metrics_unavailable}.
 */
public final class Metrics {
  private Metrics() {}

  /**
   * The metrics of {@code metrics} that are not finite numbers, each with its reason from
   * {@code reasons} (or a general one when it has none), in the metrics' order.
   */
  public static Map<String, String> unavailable(Map<String, Double> metrics, Map<String, String> reasons) {
    Map<String, String> unavailable = new LinkedHashMap<>();
    metrics.forEach((name, value) -> {
      if (value == null || !Double.isFinite(value)) {
        unavailable.put(name, reasons.getOrDefault(name, "could not be computed on the evaluation rows"));
      }
    });
    return Collections.unmodifiableMap(unavailable);
  }
}
