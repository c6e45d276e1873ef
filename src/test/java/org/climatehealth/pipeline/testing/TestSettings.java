package org.climatehealth.pipeline.testing;

import java.nio.file.Path;
import java.util.List;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.config.SettingsLoader;

/** Settings for tests that build them by hand: the shipped defaults with chosen parts replaced. */
public final class TestSettings {
  private TestSettings() {}

  /**
   * Small learners (20 logistic-regression iterations; 5 trees of depth 3 instead of 40 of depth 5),
   * as configuration overrides: for tests about storage, faults and the command line, where a
   * model's quality is not the point; they train in a third of the time. The model tests and
   * {@code TrainPredictTest} keep the shipped learners.
   */
  public static final List<String> QUICK_MODELS = List.of("pipeline.models.risk.max-iter=20",
      "pipeline.models.forecast.max-iter=5", "pipeline.models.forecast.max-depth=3");

  /** {@link #QUICK_MODELS} as command-line options: {@code --conf KEY=VALUE} each. */
  public static List<String> quickModelOptions() {
    return QUICK_MODELS.stream().flatMap(o -> java.util.stream.Stream.of("--conf", o)).toList();
  }

  /** The local profile's settings as shipped (reference.conf and conf/local.conf), with {@code overrides}. */
  public static Settings local(String... overrides) {
    return new SettingsLoader(Path.of("conf")).load("local", List.of(overrides));
  }

  /** The shipped defaults with these stores, S3 and Spark settings and diseases. */
  public static Settings of(String env, Settings.Stores stores, S3Settings s3, Settings.SparkSettings spark,
      List<String> diseases) {
    Settings defaults = local();
    return new Settings(env, stores, s3, spark, diseases, defaults.models(), defaults.predict(), defaults.leaseTtl(),
        defaults.quality());
  }
}
