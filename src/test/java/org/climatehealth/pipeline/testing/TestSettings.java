package org.climatehealth.pipeline.testing;

import java.nio.file.Path;
import java.util.List;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.config.SettingsLoader;

/** Settings for tests that build them by hand: the shipped defaults with chosen parts replaced. */
public final class TestSettings {
  private TestSettings() {}

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
