package org.climatehealth.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a benchmarked child JVM reports about itself, written as JSON to the file named by the
 * system property {@value #FILE_PROPERTY}: its setup time (JVM start to the engine being ready:
 * the Spark session, or the DuckDB connection) and the seconds of its own stages.
 */
final class ChildTimings {
  /** The system property naming the file the child writes. */
  static final String FILE_PROPERTY = "bench.timings.file";

  static final String SETUP_SECONDS = "setup_seconds";
  static final String STAGES = "stage_seconds";

  private final Map<String, Object> facts = new LinkedHashMap<>();
  private final Map<String, Double> stages = new LinkedHashMap<>();

  /** Seconds since this JVM started (as the JVM counts it, so class loading is included). */
  static double sinceJvmStart() {
    return (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1000.0;
  }

  /** Marks the engine ready now: setup = JVM start to now. */
  ChildTimings ready() {
    facts.put(SETUP_SECONDS, round(sinceJvmStart()));
    return this;
  }

  /** Records a stage that started at {@code startNanos} (System.nanoTime) and ends now. */
  double stage(String name, long startNanos) {
    double seconds = round((System.nanoTime() - startNanos) / 1e9);
    stages.put(name, seconds);
    return seconds;
  }

  ChildTimings fact(String name, Object value) {
    facts.put(name, value);
    return this;
  }

  /** Writes the file named by the system property, if it is set. */
  void write() {
    String file = System.getProperty(FILE_PROPERTY);
    if (file == null || file.isBlank()) {
      return;
    }
    Map<String, Object> all = new LinkedHashMap<>(facts);
    all.put(STAGES, stages);
    Json.write(Path.of(file), all);
  }

  static double round(double seconds) {
    return Math.round(seconds * 1000) / 1000.0;
  }
}
