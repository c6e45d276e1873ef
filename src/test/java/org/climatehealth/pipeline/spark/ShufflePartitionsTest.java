package org.climatehealth.pipeline.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;

class ShufflePartitionsTest {
  private static final long MIB = 1L << 20;

  @Test
  void oneSliceOfInputPerPartitionAtLeastOnePerCoreAtMostTwoThousand() {
    assertThat(ShufflePartitions.forInput(0, 64 * MIB, 2)).isEqualTo(2);
    assertThat(ShufflePartitions.forInput(64 * MIB, 64 * MIB, 2)).isEqualTo(2);
    assertThat(ShufflePartitions.forInput(3 * 64 * MIB + 1, 64 * MIB, 2)).isEqualTo(4);
    assertThat(ShufflePartitions.forInput(10 * MIB, 16 * MIB, 8)).isEqualTo(8);
    assertThat(ShufflePartitions.forInput(1_000_000 * MIB, 16 * MIB, 2)).isEqualTo(2000);
  }

  @Test
  void aValueTheUserSetStaysAndOneSetHereIsSizedAgainByTheNextJob() {
    SparkSession spark = TestSpark.session(); // sets 2 partitions itself, as a user would
    String before = spark.conf().get(ShufflePartitions.KEY);
    try {
      ShufflePartitions.fit(spark, 10_000 * MIB, 16 * MIB, "test");
      assertThat(spark.conf().get(ShufflePartitions.KEY)).isEqualTo(before);

      spark.conf().unset(ShufflePartitions.KEY);
      ShufflePartitions.fit(spark, 100 * MIB, 16 * MIB, "first");   // 7 slices of 16 MiB
      assertThat(spark.conf().get(ShufflePartitions.KEY)).isEqualTo("7");
      ShufflePartitions.fit(spark, 40 * MIB, 16 * MIB, "second");   // 3 slices
      assertThat(spark.conf().get(ShufflePartitions.KEY)).isEqualTo("3");
    } finally {
      spark.conf().unset(ShufflePartitions.SIZED_HERE);
      spark.conf().set(ShufflePartitions.KEY, before);
    }
  }
}
