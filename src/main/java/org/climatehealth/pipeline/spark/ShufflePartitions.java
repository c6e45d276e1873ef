package org.climatehealth.pipeline.spark;

import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sizes {@code spark.sql.shuffle.partitions} to a job's input, unless the user set it (with
 * {@code --conf spark.sql.shuffle.partitions=N}, {@code pipeline.spark.conf}, spark-submit or
 * Glue): Spark's default of 200 makes thousands of tiny tasks (and files) on small inputs, which
 * dominates the run time of a job on its own. A value set here is marked, so the next job of the
 * same session ({@code run}) sizes it again for its own input.
 */
public final class ShufflePartitions {
  private static final Logger LOG = LoggerFactory.getLogger(ShufflePartitions.class);

  static final String KEY = "spark.sql.shuffle.partitions";
  static final long MAX = 2000;
  /** Marks a value set here rather than by the user. */
  static final String SIZED_HERE = "pipeline.shuffle-partitions.sized";

  private ShufflePartitions() {}

  /** The partitions for {@code inputBytes} at about {@code bytesPerPartition} each: at least one per core, at most {@value #MAX}. */
  static long forInput(long inputBytes, long bytesPerPartition, int cores) {
    long wanted = (Math.max(0, inputBytes) + bytesPerPartition - 1) / bytesPerPartition;
    return Math.max(Math.max(1, cores), Math.min(MAX, wanted));
  }

  /** Sets the session's shuffle partitions for this input (unless the user set them) and logs it for {@code job}. */
  public static void fit(SparkSession spark, long inputBytes, long bytesPerPartition, String job) {
    RuntimeConfig conf = spark.conf();
    if (conf.contains(KEY) && !conf.contains(SIZED_HERE)) {
      LOG.info("{}: {} shuffle partitions, as set", job, conf.get(KEY));
      return;
    }
    long partitions = forInput(inputBytes, bytesPerPartition, spark.sparkContext().defaultParallelism());
    conf.set(KEY, Long.toString(partitions));
    conf.set(SIZED_HERE, "true");
    LOG.info("{}: {} MiB of input, {} shuffle partitions", job, inputBytes >> 20, partitions);
  }
}
