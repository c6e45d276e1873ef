package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run} with no options on empty stores: it generates the default sample (50 locations x
 * 730 days from 2023-01-01), processes it, trains risk and forecast, and predicts the last day.
 */
class RunIT {
  @TempDir Path dir;

  /** Integration tests share a JVM: the next one (on S3) must start its own session with its settings. */
  @AfterAll
  static void stopSpark() {
    TestSpark.stopActive();
  }

  @Test
  void runOnEmptyStoresGeneratesProcessesTrainsAndPredictsTheLatestDate() throws Exception {
    TestSpark.session();
    String[] stores = {
        "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed"),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models")};
    CliRun run = CliRun.of(concat(new String[] {"run", "--run-id", "main-1"}, stores));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("generate: the raw store was empty")
        .contains("train: risk v0001 approved").contains("train: forecast v0001 approved")
        .contains("predict 2024-12-30 with risk v1 and forecast v1: 50 locations scored, 350 forecasts")
        .contains("status=success");
    Path processed = dir.resolve("processed");
    for (String table : new String[] {"predictions", "forecasts", "alerts"}) {
      try (Stream<Path> files = Files.list(processed.resolve(table + "/date=2024-12-30"))) {
        assertThat(files.filter(p -> p.toString().endsWith(".parquet"))).isNotEmpty();
      }
    }
    JsonNode report = new ObjectMapper().readTree(processed.resolve("_runs/run/main-1.json").toFile());
    assertThat(report.get("status").asText()).isEqualTo("success");
    assertThat(report.get("details").get("step_seconds").has("train")).isTrue();

    CliRun list = CliRun.of(concat(new String[] {"models", "list"}, stores));
    assertThat(list.out()).contains("risk").contains("forecast").contains("approved");

    // a second run finds approved models and does not train again
    CliRun again = CliRun.of(concat(new String[] {"run", "--run-id", "main-2"}, stores));
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).doesNotContain("generate:").contains("train: skipped (approved models exist: risk v1, forecast v1)");
  }

  private static String[] concat(String[] a, String[] b) {
    return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
  }
}
