package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scan} on local stores: a daily drop, a changed file, a removed file, and the exit codes.
 * {@code ScanS3IT} runs the same tests on S3.
 */
class ScanCommandTest {
  static final String LOCATIONS = "location_id,state_code,population\nKA-BLR,KA,8443675\n";       // 52 bytes
  static final String CLIMATE = "date,location_id,rainfall_mm\n2024-01-01,KA-BLR,0.0\n";          // 51 bytes
  static final String HEALTH_JAN_1 = "date,location_id,disease,cases\n2024-01-01,KA-BLR,dengue,3\n"; // 58 bytes
  static final String HEALTH_JAN_2 = "date,location_id,disease,cases\n2024-01-02,KA-BLR,dengue,4\n"; // 58 bytes

  @TempDir Path dir;
  Storage raw;
  Storage processed;
  /** The --conf options that point the command at {@link #raw} and {@link #processed}. */
  final List<String> storeOptions = new ArrayList<>();

  @BeforeEach
  void rawFiles() {
    openStores();
    raw.writeText("raw/locations.csv", LOCATIONS);
    raw.writeText("raw/climate_data.csv", CLIMATE);
    raw.writeText("raw/health_data_2024-01-01.csv", HEALTH_JAN_1);
  }

  /** Sets {@link #raw}, {@link #processed} and {@link #storeOptions}: empty local stores. */
  void openStores() {
    raw = new LocalStorage(StoreUri.local(dir.resolve("raw")));
    processed = new LocalStorage(StoreUri.local(dir.resolve("processed")));
    storeOptions.addAll(List.of("--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed")));
  }

  /** Whether the raw store lists an object's content MD5 as its ETag (S3), not a version tag (local files). */
  boolean etagIsContentMd5() {
    return false;
  }

  /** Makes the raw object at {@code key} look a minute newer, its content as it is. */
  void touchLater(String key) throws IOException {
    Files.setLastModifiedTime(dir.resolve("raw").resolve(key), FileTime.from(Instant.now().plusSeconds(60)));
  }

  private CliRun scan(String runId, String... options) {
    List<String> args = new ArrayList<>(List.of("scan", "--run-id", runId));
    args.addAll(storeOptions);
    args.addAll(Arrays.asList(options));
    return CliRun.of(args.toArray(String[]::new));
  }

  private JsonNode manifest(String runId) {
    return processed.readJson("_manifests/raw/" + runId + ".json", JsonNode.class);
  }

  private static List<String> keys(JsonNode entries) {
    List<String> keys = new ArrayList<>();
    entries.forEach(e -> keys.add(e.get("key").asText()));
    return keys;
  }

  private static String counts(CliRun run) {
    return run.outLines().get(0).replaceFirst("^.* compared with ", "");
  }

  @Test
  void theIssuesSequenceNewNothingDailyDropChangedRemoved() throws IOException {
    // the first scan: every object is new
    CliRun first = scan("s-1");
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.outLines().get(0)).startsWith("scan: 3 objects (161 B) under " + raw.uri().resolve("raw/") + " ");
    assertThat(counts(first)).isEqualTo("no earlier manifest (so every object is new): 3 new, 0 changed, 0 removed,"
        + " 0 unchanged");
    assertThat(first.outLines().subList(1, 5)).containsExactly(
        "  new      raw/climate_data.csv (51 B)",
        "  new      raw/health_data_2024-01-01.csv (58 B)",
        "  new      raw/locations.csv (52 B)",
        "manifest: " + processed.uri().resolve("_manifests/raw/s-1.json"));
    assertThat(first.out()).contains("run_id=s-1 command=scan status=success");
    JsonNode m1 = manifest("s-1");
    assertThat(m1.get("baseline").isNull()).isTrue();
    assertThat(keys(m1.get("objects"))).containsExactly("raw/climate_data.csv", "raw/health_data_2024-01-01.csv",
        "raw/locations.csv");
    assertThat(keys(m1.get("new"))).isEqualTo(keys(m1.get("objects")));
    JsonNode report = processed.readJson("_runs/scan/s-1.json", JsonNode.class);
    assertThat(report.get("status").asText()).isEqualTo("success");
    assertThat(report.get("inputs")).hasSize(3);
    assertThat(report.get("inputs").get(2).get("path").asText()).isEqualTo(raw.uri().resolve("raw/locations.csv")
        .toString());
    assertThat(report.get("inputs").get(2).get("size_bytes").asLong()).isEqualTo(52);
    assertThat(report.get("inputs").get(2).get("checksum").asText()).isEqualTo(m1.get("objects").get(2).get("etag")
        .asText());
    assertThat(report.get("details").get("manifest").asText())
        .isEqualTo(processed.uri().resolve("_manifests/raw/s-1.json").toString());
    assertThat(report.get("details").get("new").asInt()).isEqualTo(3);

    // again: nothing new. The same bytes written again (a newer last-modified): no change where the
    // ETag is the content's MD5 (S3); a change where it is a version tag of the file (local disk)
    raw.writeText("raw/locations.csv", LOCATIONS);
    touchLater("raw/locations.csv");
    CliRun second = scan("s-2");
    assertThat(second.exitCode()).as(second.err()).isZero();
    long unchangedAfterRewrite = etagIsContentMd5() ? 3 : 2;
    assertThat(counts(second)).isEqualTo("_manifests/raw/s-1.json: 0 new, " + (3 - unchangedAfterRewrite)
        + " changed, 0 removed, " + unchangedAfterRewrite + " unchanged");
    assertThat(second.outLines().get(etagIsContentMd5() ? 1 : 2)).startsWith("manifest: ");
    assertThat(manifest("s-2").get("baseline").asText()).isEqualTo("_manifests/raw/s-1.json");
    assertThat(manifest("s-2").get("unchanged").asLong()).isEqualTo(unchangedAfterRewrite);

    // a scheduler that wants a signal: exit 1, one line on stderr, manifest and report still written
    CliRun unchanged = scan("s-3", "--fail-if-unchanged");
    assertThat(unchanged.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(unchanged.errLines()).containsExactly("unchanged: no raw object is new, changed or removed since"
        + " _manifests/raw/s-2.json; exit 1 for --fail-if-unchanged");
    assertThat(manifest("s-3").get("baseline").asText()).isEqualTo("_manifests/raw/s-2.json");
    assertThat(processed.readJson("_runs/scan/s-3.json", JsonNode.class).get("status").asText()).isEqualTo("success");

    // a daily drop file: exactly it is new, and --fail-if-unchanged is happy
    raw.writeText("raw/health_data_2024-01-02.csv", HEALTH_JAN_2);
    CliRun drop = scan("s-4", "--fail-if-unchanged");
    assertThat(drop.exitCode()).as(drop.err()).isZero();
    assertThat(drop.err()).isEmpty();
    assertThat(counts(drop)).isEqualTo("_manifests/raw/s-3.json: 1 new, 0 changed, 0 removed, 3 unchanged");
    assertThat(drop.outLines().get(1)).isEqualTo("  new      raw/health_data_2024-01-02.csv (58 B)");
    JsonNode m4 = manifest("s-4");
    assertThat(keys(m4.get("new"))).containsExactly("raw/health_data_2024-01-02.csv");
    assertThat(m4.get("new").get(0).get("size").asLong()).isEqualTo(58);
    assertThat(m4.get("changed")).isEmpty();
    assertThat(m4.get("removed")).isEmpty();
    assertThat(m4.get("objects")).hasSize(4);

    // a corrected file: changed (same key, another size and ETag)
    raw.writeText("raw/climate_data.csv", CLIMATE + "2024-01-02,KA-BLR,1.5\n");
    CliRun changed = scan("s-5");
    assertThat(counts(changed)).isEqualTo("_manifests/raw/s-4.json: 0 new, 1 changed, 0 removed, 3 unchanged");
    assertThat(changed.outLines().get(1)).isEqualTo("  changed  raw/climate_data.csv (73 B)");
    assertThat(keys(manifest("s-5").get("changed"))).containsExactly("raw/climate_data.csv");
    assertThat(manifest("s-5").get("changed").get(0).get("size").asLong()).isEqualTo(73);

    // a removed file: listed as the baseline had it
    raw.delete("raw/health_data_2024-01-01.csv");
    CliRun removed = scan("s-6");
    assertThat(counts(removed)).isEqualTo("_manifests/raw/s-5.json: 0 new, 0 changed, 1 removed, 3 unchanged");
    assertThat(removed.outLines().get(1)).isEqualTo("  removed  raw/health_data_2024-01-01.csv (58 B)");
    JsonNode m6 = manifest("s-6");
    assertThat(keys(m6.get("removed"))).containsExactly("raw/health_data_2024-01-01.csv");
    assertThat(keys(m6.get("objects"))).containsExactly("raw/climate_data.csv", "raw/health_data_2024-01-02.csv",
        "raw/locations.csv");
  }

  @Test
  void stdoutListsAtMostFiftyObjectsAndTheManifestHasThemAll() {
    for (int day = 0; day < 52; day++) {
      raw.writeText("raw/climate_data_" + LocalDate.of(2024, 2, 1).plusDays(day) + ".csv", "x\n");
    }
    CliRun run = scan("many");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(counts(run)).startsWith("no earlier manifest (so every object is new): 55 new,");
    assertThat(run.outLines().stream().filter(l -> l.startsWith("  new "))).hasSize(50);
    assertThat(run.outLines()).contains("  ... and 5 more (the manifest lists them all)");
    assertThat(manifest("many").get("new")).hasSize(55);
  }

  @Test
  void anEmptyRawStoreWithFailIfUnchangedExitsOne() {
    raw.deletePrefix("raw/");
    CliRun run = scan("empty", "--fail-if-unchanged");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(counts(run)).isEqualTo("no earlier manifest (so every object is new): 0 new, 0 changed, 0 removed,"
        + " 0 unchanged");
    assertThat(run.errLines()).hasSize(1);
    assertThat(manifest("empty").get("objects")).isEmpty();
  }

  @Test
  void helpExplainsChangesAndTheFlag() {
    CliRun help = CliRun.of("scan", "--help");
    assertThat(help.out()).contains("--fail-if-unchanged").contains("_manifests/raw/<run_id>.json")
        .contains("a newer last-modified time alone is no change");
  }
}
