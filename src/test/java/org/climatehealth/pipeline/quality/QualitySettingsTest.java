package org.climatehealth.pipeline.quality;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.climatehealth.pipeline.config.ConfigurationException;
import org.climatehealth.pipeline.quality.QualitySettings.Level;
import org.climatehealth.pipeline.testing.TestSettings;
import org.junit.jupiter.api.Test;

/** {@code pipeline.quality.*}: the shipped defaults, overrides, and the messages for bad values. */
class QualitySettingsTest {

  @Test
  void shippedDefaultsOnlyWarnAndCoverEveryDataset() {
    QualitySettings quality = TestSettings.local().quality();
    assertThat(quality.historyRuns()).isEqualTo(5);
    assertThat(quality.freshnessReference()).isEqualTo(QualitySettings.FreshnessReference.DATA);
    assertThat(quality.datasets()).containsOnlyKeys("climate", "health", "hospital", "locations", "daily_location");
    QualitySettings.DatasetChecks climate = quality.datasets().get("climate");
    assertThat(climate.rowCount()).isEqualTo(new QualitySettings.RowCount(Level.WARN, 1, 0));
    assertThat(climate.rowDrop()).isEqualTo(new QualitySettings.Check(Level.WARN, 0.5));
    assertThat(climate.freshness()).isEqualTo(new QualitySettings.Check(Level.WARN, 7));
    assertThat(climate.completeness().columns())
        .containsExactly("temperature_max_c", "temperature_min_c", "humidity_pct", "rainfall_mm");
    assertThat(climate.quarantineShare()).isEqualTo(new QualitySettings.Check(Level.WARN, 0.05));
    assertThat(climate.knownLocation()).isEqualTo(new QualitySettings.Check(Level.WARN, 0.99));
    assertThat(quality.datasets().get("hospital").freshness().threshold()).isEqualTo(31);
    // checks a dataset cannot have are off
    QualitySettings.DatasetChecks locations = quality.datasets().get("locations");
    assertThat(locations.freshness().enabled()).isFalse();
    assertThat(locations.knownLocation().enabled()).isFalse();
    QualitySettings.DatasetChecks daily = quality.datasets().get("daily_location");
    assertThat(List.of(daily.freshness(), daily.quarantineShare(), daily.knownLocation()))
        .allMatch(c -> !c.enabled());
    assertThat(daily.completeness().enabled()).isFalse();
    // no check is at error by default: an unusual dataset never stops a run unless configured to
    assertThat(quality.datasets().values()).noneMatch(d -> List.of(d.rowCount().level(), d.rowDrop().level(),
        d.freshness().level(), d.completeness().level(), d.quarantineShare().level(), d.knownLocation().level())
        .contains(Level.ERROR));
  }

  @Test
  void overridesSetLevelsAndThresholds() {
    QualitySettings quality = TestSettings.local(
        "pipeline.quality.health.row-drop.level=ERROR",
        "pipeline.quality.health.row-drop.min-ratio=0.8",
        "pipeline.quality.history-runs=3",
        "pipeline.quality.freshness-reference=today",
        "pipeline.quality.climate.row-count.max=1000",
        "pipeline.quality.climate.completeness.columns=[rainfall_mm]").quality();
    assertThat(quality.datasets().get("health").rowDrop()).isEqualTo(new QualitySettings.Check(Level.ERROR, 0.8));
    assertThat(quality.historyRuns()).isEqualTo(3);
    assertThat(quality.freshnessReference()).isEqualTo(QualitySettings.FreshnessReference.TODAY);
    assertThat(quality.datasets().get("climate").rowCount()).isEqualTo(new QualitySettings.RowCount(Level.WARN, 1, 1000));
    assertThat(quality.datasets().get("climate").completeness().columns()).containsExactly("rainfall_mm");
  }

  @Test
  void badValuesNameTheKeyAndWhatIsValid() {
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.climate.row-drop.level=fatal"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("pipeline.quality.climate.row-drop.level").hasMessageContaining("one of off, warn, error");
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.health.quarantine-share.max-share=1.5"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("pipeline.quality.health.quarantine-share.max-share")
        .hasMessageContaining("a number from 0.0 to 1.0");
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.climate.completeness.columns=[date]"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("optional columns of climate").hasMessageContaining("(got 'date')");
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.climate.row-count.min=10",
        "pipeline.quality.climate.row-count.max=5"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("pipeline.quality.climate.row-count.max");
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.history-runs=0"))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("from 1 to 100");
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.freshness-reference=yesterday"))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("one of data, today");
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.climate.freshness.max-age-days=1.5"))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("a whole number of days");
    // a check the dataset cannot have is an unknown key
    assertThatThrownBy(() -> TestSettings.local("pipeline.quality.locations.freshness.level=warn"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("unknown configuration key pipeline.quality.locations.freshness");
  }
}
