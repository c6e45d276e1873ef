package org.climatehealth.pipeline.config;

import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.storage.StoreUri;

/**
 * The whole, validated configuration of one run ({@code pipeline.*}), built once at start-up by
 * {@link SettingsLoader} and passed by constructor. Nothing else reads Typesafe Config.
 *
 * @param env the profile it was loaded from ({@code conf/<env>.conf})
 * @param stores the three logical stores
 * @param s3 how to reach S3
 * @param spark Spark session settings
 * @param diseases the diseases that get a {@code cases_<disease>} column, lower-case
 * @param models training, quality gates and approval ({@code pipeline.models.*})
 * @param predict scoring outputs, risk levels and alerts ({@code pipeline.predict.*})
 * @param leaseTtl how long a run's lease on the processed store lasts without renewal
 *     ({@code pipeline.lease-ttl})
 * @param quality dataset-level quality checks of process ({@code pipeline.quality.*})
 */
public record Settings(String env, Stores stores, S3Settings s3, SparkSettings spark, List<String> diseases,
    ModelSettings models, PredictSettings predict, java.time.Duration leaseTtl,
    org.climatehealth.pipeline.quality.QualitySettings quality) {

  public Settings {
    diseases = List.copyOf(diseases);
  }

  /** The raw, processed and models stores ({@code pipeline.stores.*}). */
  public record Stores(StoreUri raw, StoreUri processed, StoreUri models) {

    /** The stores by their configuration name: raw, processed, models. */
    public Map<String, StoreUri> byName() {
      return Map.of("raw", raw, "processed", processed, "models", models);
    }

    /** True when any store is on S3. */
    public boolean anyS3() {
      return raw.isS3() || processed.isS3() || models.isS3();
    }
  }

  /**
   * Spark session settings ({@code pipeline.spark.*}).
   *
   * @param master master used only when spark-submit or Glue did not set one
   * @param s3Committer S3A committer for S3 outputs: {@code magic}, or {@code runtime} to leave
   *     the runtime's own committer setup alone (as on Glue)
   * @param conf extra Spark configuration, applied last
   */
  public record SparkSettings(String master, String s3Committer, Map<String, String> conf) {
    public SparkSettings {
      conf = Map.copyOf(conf);
    }
  }
}
