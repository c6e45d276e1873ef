package org.climatehealth.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsLoaderTest {

  @TempDir Path confDir;

  /** The profiles the project ships, read from the checkout's conf/ (tests run in the project directory). */
  private final SettingsLoader shipped = new SettingsLoader(Path.of("conf"));

  private SettingsLoader loaderWith(String env, String content) throws IOException {
    Files.writeString(confDir.resolve(env + ".conf"), content);
    return new SettingsLoader(confDir);
  }

  @Test
  void theLocalProfileGivesTheContractDefaults() {
    Settings settings = shipped.load("local", List.of());

    assertThat(settings.env()).isEqualTo("local");
    assertThat(settings.stores().raw()).isEqualTo(StoreUri.local(Path.of("data/raw-bucket")));
    assertThat(settings.stores().processed()).isEqualTo(StoreUri.local(Path.of("data/processed-bucket")));
    assertThat(settings.stores().models()).isEqualTo(StoreUri.local(Path.of("data/models-bucket")));
    assertThat(settings.stores().anyS3()).isFalse();
    assertThat(settings.s3().endpoint()).isEmpty();
    assertThat(settings.s3().pathStyleAccess()).isFalse();
    assertThat(settings.s3().region()).isEqualTo("us-east-1");
    assertThat(settings.s3().multipartThreshold()).isEqualTo(16L * 1024 * 1024);
    assertThat(settings.s3().multipartPartSize()).isEqualTo(8L * 1024 * 1024);
    assertThat(settings.spark().master()).isEqualTo("local[*]");
    assertThat(settings.spark().s3Committer()).isEqualTo("magic");
    assertThat(settings.diseases()).containsExactly("dengue", "malaria", "heat_illness", "respiratory", "diarrhoeal");
  }

  @Test
  void overridesBeatTheProfileWhichBeatsReferenceAndTheLastOverrideWins() throws IOException {
    SettingsLoader loader = loaderWith("team", """
        pipeline.s3.region = "eu-west-2"
        pipeline.stores.raw = "s3://team-raw/landing"
        """);

    Settings settings = loader.load("team", List.of(
        "pipeline.s3.endpoint=http://127.0.0.1:9000",
        "pipeline.s3.path-style-access=true",
        "pipeline.stores.processed=s3://first",
        "pipeline.stores.processed=s3://second/out"));

    assertThat(settings.s3().region()).isEqualTo("eu-west-2");
    assertThat(settings.stores().raw().bucket()).isEqualTo("team-raw");
    assertThat(settings.stores().raw().prefix()).isEqualTo("landing");
    assertThat(settings.stores().processed().toString()).isEqualTo("s3://second/out");
    assertThat(settings.s3().endpoint()).contains(URI.create("http://127.0.0.1:9000"));
    assertThat(settings.s3().pathStyleAccess()).isTrue();
    assertThat(settings.stores().anyS3()).isTrue();
  }

  @Test
  void profilesReferToEnvironmentVariables() throws IOException {
    // HOME is set wherever the tests run; an unset variable leaves the reference default
    SettingsLoader loader = loaderWith("envy", """
        pipeline.stores.models = "file:"${?HOME}"/models-store"
        pipeline.s3.region = ${?CLIMATE_HEALTH_PIPELINE_SURELY_UNSET_VARIABLE}
        """);

    Settings settings = loader.load("envy", List.of());

    assertThat(settings.stores().models().directory())
        .isEqualTo(Path.of(System.getenv("HOME"), "models-store").toAbsolutePath().normalize());
    assertThat(settings.s3().region()).isEqualTo("us-east-1");
  }

  @Test
  void theAwsProfileTakesBucketsFromOverridesAndSaysWhatIsMissingOtherwise() {
    Settings settings = shipped.load("aws", List.of("pipeline.stores.raw=s3://raw", "pipeline.stores.processed=s3://processed",
        "pipeline.stores.models=s3://models"));
    assertThat(settings.stores().byName()).containsEntry("raw", StoreUri.parse("s3://raw"));

    if (System.getenv("RAW_BUCKET") == null) {
      assertThatThrownBy(() -> shipped.load("aws", List.of()))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("pipeline.stores.raw")
          .hasMessageContaining("conf/aws.conf")
          .hasMessageContaining("no bucket");
    }
  }

  @Test
  void listsAndBytesAndSparkSettingsCanBeOverridden() {
    Settings settings = shipped.load("local", List.of(
        "pipeline.diseases=[Dengue, cholera]",
        "pipeline.s3.multipart-threshold=64M",
        "spark.sql.shuffle.partitions=4",
        "pipeline.spark.conf.\"spark.driver.memory\"=2g"));

    assertThat(settings.diseases()).containsExactly("dengue", "cholera");
    assertThat(settings.s3().multipartThreshold()).isEqualTo(64L * 1024 * 1024);
    assertThat(settings.spark().conf()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "spark.sql.shuffle.partitions", "4", "spark.driver.memory", "2g"));
  }

  @Test
  void anUnknownEnvironmentNamesTheAvailableOnes() {
    assertThatThrownBy(() -> shipped.load("prod", List.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("unknown environment 'prod'")
        .hasMessageEndingWith("available: aws, local");
    assertThat(shipped.availableEnvs()).containsExactly("aws", "local");
  }

  @Test
  void profilesAreFoundInTheJarWhenTheDirectoryDoesNotHaveThem() {
    // an empty configuration directory: conf/local.conf comes from the classpath (the jar)
    Settings settings = new SettingsLoader(confDir).load("local", List.of());
    assertThat(settings.env()).isEqualTo("local");
    assertThat(new SettingsLoader(confDir).availableEnvs()).contains("aws", "local");
  }

  @Test
  void aMalformedStoreUriNamesTheKeyAndWhereItWasSet() {
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.stores.raw=ftp://host/x")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("bad pipeline.stores.raw (set in --conf pipeline.stores.raw): malformed store URI "
            + "'ftp://host/x': expected file:PATH or s3://BUCKET[/PREFIX]");
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.stores.models=s3://Bad_Bucket")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("pipeline.stores.models")
        .hasMessageContaining("not a valid bucket name");
  }

  @Test
  void badValuesAreRefusedWithWhatIsExpected() {
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.s3.path-style-access=maybe")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("path-style-access");
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.s3.endpoint=127.0.0.1:9000")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("an http(s) URL");
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.s3.multipart-part-size=1M")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("at least 5M");
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.spark.s3-committer=directory")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("one of magic, runtime");
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.diseases=[dengue, Dengue]")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("'dengue' appears twice");
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.diseases=[]")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("at least one disease");
    assertThatThrownBy(() -> shipped.load("local", List.of("no-equals-sign")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("expected KEY=VALUE");
    assertThatThrownBy(() -> shipped.load("local", List.of("other.key=1")))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("start with 'pipeline.'");
  }

  @Test
  void aMisspeltKeyIsRefusedWithASuggestion() {
    assertThatThrownBy(() -> shipped.load("local", List.of("pipeline.stores.raws=s3://x")))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("unknown configuration key pipeline.stores.raws (set in --conf pipeline.stores.raws); "
            + "did you mean pipeline.stores.raw?");
  }

  @Test
  void environmentNamesCannotBePaths() {
    assertThatThrownBy(() -> shipped.load("../secrets", List.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("invalid environment name '../secrets'");
  }

  @Test
  void aConfDirMustHoldTheProfileAndIsReadInsteadOfTheJarCopy() throws IOException {
    Files.writeString(confDir.resolve("local.conf"), "pipeline.s3.region = \"ap-south-1\"\n");

    Settings fromDir = SettingsLoader.forInvocation(confDir.toString()).load("local", List.of());
    Settings fromUri = SettingsLoader.forInvocation("file:" + confDir).load("local", List.of());

    assertThat(fromDir.s3().region()).isEqualTo("ap-south-1");
    assertThat(fromUri).isEqualTo(fromDir);
    // local.conf from the directory replaces the jar's copy wholly: its stores are not there
    assertThat(fromDir.stores().raw()).isEqualTo(StoreUri.local(Path.of("data/raw-bucket")));
    assertThat(fromDir.models().autoApprove()).isFalse();
    assertThatThrownBy(() -> SettingsLoader.forInvocation(confDir.toString()).load("aws", List.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("unknown environment 'aws': there is no " + StoreUri.local(confDir).resolve("aws.conf")
            + " (--conf-dir " + StoreUri.local(confDir) + ")");
  }

  @Test
  void withoutAConfDirTheProfilesComeFromTheJarNotTheWorkingDirectory() {
    Settings settings = SettingsLoader.forInvocation(null).load("local", List.of());
    assertThat(settings.models().autoApprove()).isTrue();
    assertThatThrownBy(() -> SettingsLoader.forInvocation("  ").load("team", List.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("unknown environment 'team': there is no conf/team.conf in the application jar");
    assertThatThrownBy(() -> SettingsLoader.forInvocation("s3://Bad_Bucket/conf"))
        .isInstanceOf(ConfigurationException.class).hasMessageStartingWith("bad --conf-dir 's3://Bad_Bucket/conf'");
  }

  @Test
  void theLearnersSettingsHaveDefaultsOverridesAndChecks() {
    ModelSettings defaults = shipped.load("local", List.of()).models();
    ModelSettings.Seasonal seasonal = new ModelSettings.Seasonal(2.0, 2, 0.95);
    assertThat(defaults.risk()).isEqualTo(new ModelSettings.Risk(ModelSettings.ThresholdRule.SEASONAL, seasonal, 30,
        56, 2, 0.75, 100, 0.001));
    assertThat(defaults.forecast()).isEqualTo(new ModelSettings.Forecast(56, 2, 1.0, 40, 5, 0.1));

    ModelSettings tuned = shipped.load("local", List.of("pipeline.models.risk.max-iter=20",
        "pipeline.models.risk.reg-param=0", "pipeline.models.forecast.max-iter=8",
        "pipeline.models.forecast.max-depth=3", "pipeline.models.forecast.step-size=1",
        "pipeline.models.risk.threshold=Absolute", "pipeline.models.risk.seasonal.sd=1.5",
        "pipeline.models.risk.seasonal.min-years=5", "pipeline.models.risk.seasonal.fallback-quantile=0.9",
        "pipeline.models.risk.backtest-origins=13", "pipeline.models.forecast.backtest-origins=1")).models();
    assertThat(tuned.risk()).isEqualTo(new ModelSettings.Risk(ModelSettings.ThresholdRule.ABSOLUTE,
        new ModelSettings.Seasonal(1.5, 5, 0.9), 30, 56, 13, 0.75, 20, 0.0));
    assertThat(tuned.forecast()).isEqualTo(new ModelSettings.Forecast(56, 1, 1.0, 8, 3, 1.0));

    Map<String, String> bad = Map.of(
        "pipeline.models.risk.max-iter=0", "expected a whole number from 1 to 10000",
        "pipeline.models.risk.max-iter=2.5", "expected a whole number from 1 to 10000",
        "pipeline.models.risk.reg-param=-0.1", "expected a number at least 0.0",
        "pipeline.models.forecast.max-depth=31", "expected a whole number from 1 to 30",
        "pipeline.models.forecast.step-size=0", "expected a number above 0, at most 1",
        "pipeline.models.forecast.step-size=1.5", "expected a number from 0.0 to 1.0",
        "pipeline.models.forecast.holdout-days=7.5", "expected a whole number of days from 1 to 3650");
    bad = new java.util.HashMap<>(bad);
    bad.putAll(Map.of(
        "pipeline.models.risk.threshold=median", "expected seasonal or absolute",
        "pipeline.models.risk.seasonal.fallback-quantile=1", "expected a fraction between 0 and 1, both excluded",
        "pipeline.models.risk.seasonal.min-years=0", "expected a whole number from 1 to 100",
        "pipeline.models.forecast.backtest-origins=0", "expected a whole number from 1 to 52"));
    bad.forEach((override, expected) -> assertThatThrownBy(() -> shipped.load("local", List.of(override)))
        .as(override)
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith("bad " + override.substring(0, override.indexOf('=')) + " = ")
        .hasMessageEndingWith(expected));
  }
}
