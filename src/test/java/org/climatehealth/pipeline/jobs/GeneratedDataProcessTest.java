package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;
import org.climatehealth.pipeline.generate.GeneratorManifest;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Generated dirty data through {@code process}: the run report's accounting, dataset by dataset
 * and reason by reason, equals what the generator says it injected.
 */
class GeneratedDataProcessTest {

  @TempDir Path dir;

  @BeforeAll
  static void spark() {
    TestSpark.session();
  }

  private String[] withStores(String... args) {
    return Stream.concat(Stream.of(args), Stream.of(
        "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed"),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models"))).toArray(String[]::new);
  }

  @ParameterizedTest(name = "daily files: {0}")
  @ValueSource(booleans = {false, true})
  void quarantineCountsMatchWhatTheGeneratorInjected(boolean dailyFiles) throws IOException {
    String[] generate = withStores("generate", "--locations", "6", "--days", "45", "--seed", "11",
        "--dirty-fraction", "0.08");
    if (dailyFiles) {
      generate = Stream.concat(Stream.of(generate), Stream.of("--daily-files")).toArray(String[]::new);
    }
    CliRun generated = CliRun.of(generate);
    assertThat(generated.exitCode()).as(generated.err()).isZero();

    CliRun processed = CliRun.of(withStores("process", "--run-id", "gen-check"));
    assertThat(processed.exitCode()).as(processed.err()).isZero();

    GeneratorManifest manifest = new LocalStorage(StoreUri.local(dir.resolve("raw")))
        .readJson(GeneratorManifest.KEY, GeneratorManifest.class);
    JsonNode datasets = new ObjectMapper().readTree(dir.resolve("processed/_runs/process/gen-check.json").toFile())
        .get("details").get("datasets");
    long injected = 0;
    for (RawDataset dataset : RawDataset.values()) {
      GeneratorManifest.Expected expected = manifest.dataset(dataset).expected();
      JsonNode actual = datasets.get(dataset.tableName());
      assertThat(actual.get("rows_read").asLong()).as(dataset + " rows_read").isEqualTo(expected.rowsRead());
      assertThat(actual.get("rows_valid").asLong()).as(dataset + " rows_valid").isEqualTo(expected.rowsValid());
      assertThat(actual.get("rows_quarantined").asLong()).as(dataset + " rows_quarantined")
          .isEqualTo(expected.rowsQuarantined());
      assertThat(actual.get("duplicates_collapsed").asLong()).as(dataset + " duplicates_collapsed")
          .isEqualTo(expected.duplicatesCollapsed());
      Map<String, Long> reasons = new TreeMap<>();
      actual.get("reasons").properties().forEach(e -> reasons.put(e.getKey(), e.getValue().asLong()));
      Map<String, Long> expectedReasons = new TreeMap<>();
      expected.reasons().forEach((code, n) -> {
        if (n > 0) {
          expectedReasons.put(code.name(), n);
        }
      });
      assertThat(reasons).as(dataset + " reasons").isEqualTo(expectedReasons);
      injected += expected.rowsQuarantined() + expected.duplicatesCollapsed();
    }
    // the sample is dirty enough to mean something: every reason code shows up somewhere
    assertThat(injected).isGreaterThan(50);
    for (ReasonCode code : ReasonCode.values()) {
      long total = 0;
      for (RawDataset dataset : RawDataset.values()) {
        total += manifest.dataset(dataset).expected().reason(code);
      }
      assertThat(total).as(code.name()).isPositive();
    }
  }
}
