package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sequence end to end on local stores: generated raw data (8 locations x 300 days,
 * 2023-03-08 to 2024-01-01) is run once; a daily drop file {@code raw/health_data_2024-01-02.csv}
 * arrives; {@code scan} reports it; {@code run --if-changed} processes it and predicts its date;
 * {@code scan} again finds nothing new, and {@code run --if-changed} does nothing, without Spark.
 * Gates are opened (small data): this test is about the monitor, not the models.
 */
class RunIfChangedIT {
  private static final String DROP = "raw/health_data_2024-01-02.csv";

  @TempDir Path dir;

  @AfterAll
  static void stopSpark() {
    TestSpark.stopActive();
  }

  private CliRun cli(String... command) {
    return cliWithMaster("local[2]", command);
  }

  private CliRun cliWithMaster(String sparkMaster, String... command) {
    List<String> args = new ArrayList<>(Arrays.asList(command));
    args.addAll(List.of(
        "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed"),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models"),
        "--conf", "pipeline.models.risk.holdout-days=35",
        "--conf", "pipeline.models.forecast.holdout-days=35",
        "--conf", "pipeline.models.risk.backtest-origins=1", "--conf", "pipeline.models.forecast.backtest-origins=1",
        "--conf", "pipeline.models.risk.min-roc-auc=0",
        "--conf", "pipeline.models.forecast.max-mae-ratio=100",
        "--conf", "pipeline.spark.master=" + sparkMaster,
        "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=2"));
    args.addAll(TestSettings.quickModelOptions());
    return CliRun.of(args.toArray(String[]::new));
  }

  @Test
  void aDailyDropIsScannedThenProcessedOnceAndThenNothingHappens() throws Exception {
    Storage raw = new LocalStorage(StoreUri.local(dir.resolve("raw")));
    Storage processed = new LocalStorage(StoreUri.local(dir.resolve("processed")));
    CliRun generated = cli("generate", "--locations", "8", "--days", "300", "--start-date", "2023-03-08");
    assertThat(generated.exitCode()).as(generated.err()).isZero();

    // the first run: no run has consumed anything yet, so --if-changed runs
    CliRun first = cli("run", "--if-changed", "--run-id", "run-1");
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("compared with no earlier manifest (so every object is new): 4 new, 0 changed,"
        + " 0 removed, 0 unchanged").contains("train: risk v0001 approved").contains("predict 2024-01-01");

    // a daily drop file arrives: scan reports exactly it, against what run-1 consumed
    StringBuilder drop = new StringBuilder("date,location_id,disease,cases,deaths,hospitalizations\n");
    List<String> locations = raw.readText("raw/locations.csv").lines().skip(1).map(l -> l.split(",")[0]).toList();
    assertThat(locations).hasSize(8);
    for (String location : locations) {
      drop.append("2024-01-02,").append(location).append(",dengue,3,0,1\n");
    }
    raw.writeText(DROP, drop.toString());
    CliRun scan = cli("scan", "--run-id", "scan-1");
    assertThat(scan.exitCode()).as(scan.err()).isZero();
    assertThat(scan.out()).contains("compared with _manifests/raw/run-1.json: 1 new, 0 changed, 0 removed,"
        + " 4 unchanged");
    assertThat(scan.outLines().get(1)).startsWith("  new      " + DROP + " (");

    // run --if-changed compares with run-1's manifest (not scan-1's, which saw the drop already) and processes
    CliRun second = cli("run", "--if-changed", "--run-id", "run-2");
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).contains("raw: 5 objects").contains("compared with _manifests/raw/run-1.json: 1 new,"
        + " 0 changed, 0 removed, 4 unchanged").contains("  new      " + DROP)
        .contains("train: skipped").contains("predict 2024-01-02 with risk v1 and forecast v1: 8 locations scored");
    try (Stream<Path> files = Files.list(dir.resolve("processed/predictions/date=2024-01-02"))) {
      assertThat(files.filter(p -> p.toString().endsWith(".parquet"))).isNotEmpty();
    }
    // lineage: the run report names the manifest, which lists every raw file the run read
    JsonNode report = processed.readJson("_runs/run/run-2.json", JsonNode.class);
    assertThat(report.get("status").asText()).isEqualTo("success");
    assertThat(report.get("details").get("manifest").asText())
        .isEqualTo(processed.uri().resolve("_manifests/raw/run-2.json").toString());
    assertThat(report.get("details").get("new").asInt()).isEqualTo(1);
    JsonNode manifest = processed.readJson("_manifests/raw/run-2.json", JsonNode.class);
    assertThat(manifest.get("command").asText()).isEqualTo("run");
    assertThat(manifest.get("baseline").asText()).isEqualTo("_manifests/raw/run-1.json");
    List<String> consumed = new ArrayList<>();
    manifest.get("objects").forEach(o -> consumed.add(raw.uri().resolve(o.get("key").asText()).toString()));
    List<String> rawRead = new ArrayList<>(); // the report's other inputs are the models predict used
    report.get("inputs").forEach(i -> rawRead.add(i.get("path").asText()));
    rawRead.removeIf(path -> !path.startsWith(raw.uri().toString()));
    assertThat(consumed).containsExactlyInAnyOrderElementsOf(rawRead).contains(raw.uri().resolve(DROP).toString());

    // scan again: nothing new since run-2
    CliRun again = cli("scan", "--run-id", "scan-2");
    assertThat(again.exitCode()).as(again.err()).isZero();
    assertThat(again.out()).contains("compared with _manifests/raw/run-2.json: 0 new, 0 changed, 0 removed,"
        + " 5 unchanged");

    // and run --if-changed does nothing: a master Spark cannot parse proves no session is started
    assertThat(SparkSession.getDefaultSession().isEmpty()).as("no Spark session left running").isTrue();
    CliRun third = cliWithMaster("no-such-master", "run", "--if-changed", "--run-id", "run-3");
    assertThat(third.exitCode()).as(third.err()).isZero();
    assertThat(third.outLines().get(0)).isEqualTo("run: nothing new, changed or removed under "
        + raw.uri().resolve("raw/") + " since manifest _manifests/raw/run-2.json, consumed by run run-2;"
        + " skipped (--if-changed)");
    assertThat(third.out()).doesNotContain("process:").doesNotContain("predict ").contains("status=success");
    JsonNode skipped = processed.readJson("_runs/run/run-3.json", JsonNode.class);
    assertThat(skipped.get("status").asText()).isEqualTo("success");
    assertThat(skipped.get("details").get("skipped").asText()).isEqualTo("--if-changed: nothing new, changed or"
        + " removed under " + raw.uri().resolve("raw/") + " since manifest _manifests/raw/run-2.json, consumed by"
        + " run run-2");
    assertThat(skipped.get("details").get("manifest").asText())
        .isEqualTo(processed.uri().resolve("_manifests/raw/run-3.json").toString());
    assertThat(processed.readJson("_manifests/raw/run-3.json", JsonNode.class).get("unchanged").asLong()).isEqualTo(5);
  }
}
