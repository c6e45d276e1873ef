package org.climatehealth.pipeline.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;

/** {@link TemporaryConf}: settings for one piece of work, put back as they were. */
class TemporaryConfTest {
  private static final String UNSET = "pipeline.test.temporary-conf.unset";
  private static final String SET = "pipeline.test.temporary-conf.set";

  @Test
  void settingsAreSetForTheBlockAndPutBackAfterIt() {
    SparkSession spark = TestSpark.session();
    spark.conf().set(SET, "user");
    try (TemporaryConf conf = TemporaryConf.set(spark, Map.of(UNSET, "a", SET, "b"))) {
      assertThat(spark.conf().get(UNSET)).isEqualTo("a");
      assertThat(spark.conf().get(SET)).isEqualTo("b");
    }
    // a key that was not set is unset again, a key that was set has its value back
    assertThat(spark.conf().contains(UNSET)).isFalse();
    assertThat(spark.conf().get(SET)).isEqualTo("user");
    spark.conf().unset(SET);
  }
}
