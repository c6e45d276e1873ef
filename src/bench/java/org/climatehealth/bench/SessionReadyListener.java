package org.climatehealth.bench;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationStart;

/**
 * Measures Spark's setup time in a job the benchmark does not control (the pipeline's own
 * {@code process}): registered with {@code -Dspark.extraListeners=}, it writes the
 * {@link ChildTimings} file when the SparkContext has started, so setup = JVM start to then.
 */
public final class SessionReadyListener extends SparkListener {
  @Override
  public void onApplicationStart(SparkListenerApplicationStart start) {
    new ChildTimings().ready().fact("spark_version", org.apache.spark.package$.MODULE$.SPARK_VERSION()).write();
  }
}
