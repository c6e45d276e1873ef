package org.climatehealth.pipeline.spark;

import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the SparkSession of a run from {@link Settings}, the same way under spark-submit, AWS
 * Glue and local runs.
 *
 * <p>The configured master is used only when none is set already: spark-submit and Glue pass
 * theirs as the {@code spark.master} system property, which wins. Store options
 * ({@link SparkStoreConfig}) come next and {@code pipeline.spark.conf} last, so users can
 * override anything.
 */
public final class SparkSessions {
  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private SparkSessions() {}

  /** A session for one command: stopped on close only when this command started it. */
  public record Handle(SparkSession session, boolean started) implements AutoCloseable {
    @Override
    public void close() {
      if (started) {
        session.stop();
      }
    }
  }

  /**
   * The session for one command: a new one from {@link #create}, or, when the JVM already runs
   * one (tests, notebooks), that one with the store options applied to it, left running on close.
   */
  public static Handle open(Settings settings, String appName) {
    if (SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined()) {
      SparkSession running = SparkSession.getActiveSession().isDefined()
          ? SparkSession.getActiveSession().get() : SparkSession.getDefaultSession().get();
      SparkStoreConfig.hadoopOptions(settings).forEach(running.sparkContext().hadoopConfiguration()::set);
      SparkStoreConfig.sparkOptions(settings).forEach((key, value) -> {
        if (key.startsWith("spark.hadoop.")) {
          running.sparkContext().hadoopConfiguration().set(key.substring("spark.hadoop.".length()), value);
        } else {
          running.conf().set(key, value);
        }
      });
      return new Handle(running, false);
    }
    return new Handle(create(settings, appName), true);
  }

  /** Builds (or joins, if one is active in this JVM) the session for {@code appName}. */
  public static SparkSession create(Settings settings, String appName) {
    SparkSession.Builder builder = SparkSession.builder().appName(appName);
    // new SparkConf() reads the spark.* system properties that spark-submit and Glue set
    SparkConf launched = new SparkConf();
    if (launched.contains("spark.master")) {
      LOG.debug("Spark master {} set by the launcher; pipeline.spark.master ignored", launched.get("spark.master"));
    } else {
      builder.master(settings.spark().master());
    }
    SparkStoreConfig.hadoopOptions(settings).forEach((key, value) -> builder.config("spark.hadoop." + key, value));
    Map<String, String> committer = SparkStoreConfig.sparkOptions(settings);
    committer.forEach(builder::config);
    settings.spark().conf().forEach(builder::config);

    if (SparkSession.getDefaultSession().isDefined()) {
      LOG.warn("joining the Spark session already running in this JVM: its master and Hadoop options stay as they are");
    }
    SparkSession spark = builder.getOrCreate();
    // names and non-secret values only; never log a configuration map wholesale
    LOG.info("Spark session '{}' on {} (S3 committer: {})", appName, spark.sparkContext().master(),
        committer.isEmpty() ? "runtime default" : settings.spark().s3Committer());
    return spark;
  }
}
