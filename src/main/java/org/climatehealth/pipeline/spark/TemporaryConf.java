package org.climatehealth.pipeline.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;

/**
 * Session settings for one piece of work, put back as they were on close (a job shares its
 * session with the next job of {@code run}, and tests share one session):
 * {@code try (TemporaryConf conf = TemporaryConf.set(spark, Map.of(key, value))) { ... }}.
 */
public final class TemporaryConf implements AutoCloseable {
  private final RuntimeConfig conf;
  private final Map<String, String> before = new LinkedHashMap<>();

  private TemporaryConf(RuntimeConfig conf) {
    this.conf = conf;
  }

  /** Sets every entry of {@code settings}, overriding what the session has. */
  public static TemporaryConf set(SparkSession spark, Map<String, String> settings) {
    TemporaryConf temporary = new TemporaryConf(spark.conf());
    settings.forEach((key, value) -> {
      temporary.before.put(key, temporary.conf.contains(key) ? temporary.conf.get(key) : null);
      temporary.conf.set(key, value);
    });
    return temporary;
  }

  @Override
  public void close() {
    before.forEach((key, value) -> {
      if (value == null) {
        conf.unset(key);
      } else {
        conf.set(key, value);
      }
    });
  }
}
