package org.climatehealth.pipeline.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Optional;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Choosing baselines by the listing, and writing manifests, on local stores. */
class RawManifestsTest {
  private static final Instant NOON = Instant.parse("2024-01-02T12:00:00Z");

  @TempDir Path dir;
  private Storage raw;
  private Storage processed;
  private RawManifests manifests;

  @BeforeEach
  void stores() {
    raw = new LocalStorage(StoreUri.local(dir.resolve("raw")));
    processed = new LocalStorage(StoreUri.local(dir.resolve("processed")));
    manifests = new RawManifests(processed, Clock.fixed(NOON, ZoneOffset.UTC));
  }

  /** Puts a (content-free) manifest in place, last modified {@code minutes} after noon. */
  private void manifest(String runId, int minutes) throws IOException {
    processed.writeText(RawManifests.key(runId), "{}");
    touch(RawManifests.key(runId), minutes);
  }

  private void report(String command, String runId, String status) {
    processed.writeText("_runs/" + command + "/" + runId + ".json",
        "{\"run_id\":\"" + runId + "\",\"command\":\"" + command + "\",\"status\":\"" + status + "\"}");
  }

  private void touch(String key, int minutes) throws IOException {
    Files.setLastModifiedTime(dir.resolve("processed").resolve(key), FileTime.from(NOON.plusSeconds(60L * minutes)));
  }

  @Test
  void noManifestNoBaseline() {
    assertThat(manifests.newest()).isEmpty();
    assertThat(manifests.newestConsumedBySuccessfulRun()).isEmpty();
  }

  @Test
  void theNewestManifestIsTheLastModifiedNotTheLastByKey() throws IOException {
    manifest("b-scan", 1);
    manifest("a-scan", 2);
    manifest("c-scan", 0);
    processed.writeText("_manifests/raw/notes.txt", "not a manifest");
    processed.writeText("_manifests/raw/old/z-scan.json", "{}"); // not directly under the prefix
    touch("_manifests/raw/notes.txt", 9);
    touch("_manifests/raw/old/z-scan.json", 9);

    assertThat(manifests.newest()).contains("_manifests/raw/a-scan.json");
  }

  @Test
  void equalTimesAreBrokenByKey() throws IOException {
    manifest("20240102T120000Z-aaaa", 5);
    manifest("20240102T120000Z-bbbb", 5);
    manifest("20240102T115959Z-ffff", 5);

    assertThat(manifests.newest()).contains("_manifests/raw/20240102T120000Z-bbbb.json");
  }

  @Test
  void aRunComparesWithWhatTheLastSuccessfulRunConsumed() throws IOException {
    manifest("run-1", 1);
    report("run", "run-1", "success");
    manifest("scan-1", 2);
    report("scan", "scan-1", "success"); // a scan's manifest: never what a run consumed
    manifest("run-2", 3);
    report("run", "run-2", "failed");
    manifest("run-3", 4);
    report("run", "run-3", "gate_failed");
    manifest("run-4", 5); // still running, or died without a report

    assertThat(manifests.newest()).contains("_manifests/raw/run-4.json");
    assertThat(manifests.newestConsumedBySuccessfulRun()).contains("_manifests/raw/run-1.json");

    report("run", "run-4", "success");
    assertThat(manifests.newestConsumedBySuccessfulRun()).contains("_manifests/raw/run-4.json");
  }

  @Test
  void noSuccessfulRunNoRunBaseline() throws IOException {
    manifest("scan-1", 1);
    manifest("run-1", 2);
    report("run", "run-1", "failed");

    assertThat(manifests.newestConsumedBySuccessfulRun()).isEmpty();
  }

  @Test
  void recordWritesTheSnapshotAndTheChangesInSnakeCase() throws NoSuchAlgorithmException {
    raw.writeText("raw/locations.csv", "location_id\n");          // 12 bytes
    raw.writeText("raw/health_data_2024-01-01.csv", "date\n");   // 5 bytes
    raw.writeText("elsewhere/notes.txt", "not raw data");        // outside raw/: not listed

    RawManifest first = manifests.record(raw, RawManifests.listRaw(raw), "scan-1", "scan", manifests.newest());

    assertThat(first.baseline()).isNull();
    assertThat(first.added()).extracting(RawManifest.Entry::key)
        .containsExactly("raw/health_data_2024-01-01.csv", "raw/locations.csv");
    assertThat(first.objects()).isEqualTo(first.added());
    JsonNode json = processed.readJson("_manifests/raw/scan-1.json", JsonNode.class);
    assertThat(json.get("run_id").asText()).isEqualTo("scan-1");
    assertThat(json.get("command").asText()).isEqualTo("scan");
    assertThat(json.get("created_at").asText()).isEqualTo("2024-01-02T12:00:00Z");
    assertThat(json.get("store").asText()).isEqualTo(raw.uri().toString());
    assertThat(json.get("prefix").asText()).isEqualTo("raw/");
    assertThat(json.has("baseline")).isTrue();
    assertThat(json.get("baseline").isNull()).isTrue();
    JsonNode locations = json.get("objects").get(1);
    assertThat(locations.get("key").asText()).isEqualTo("raw/locations.csv");
    assertThat(locations.get("size").asLong()).isEqualTo(12);
    // the local ETag is a version tag of the file's metadata, not the content's MD5 (no full read)
    assertThat(locations.get("etag").asText()).matches("[0-9a-f]{16}")
        .isEqualTo(raw.stat("raw/locations.csv").orElseThrow().etag());
    assertThat(raw.checksum("raw/locations.csv")).isEqualTo(md5("location_id\n"));
    assertThat(Instant.parse(locations.get("last_modified").asText())).isNotNull();
    assertThat(json.get("new").size()).isEqualTo(2);
    assertThat(json.get("changed").size()).isZero();
    assertThat(json.get("removed").size()).isZero();
    assertThat(json.get("unchanged").asLong()).isZero();

    raw.writeText("raw/health_data_2024-01-02.csv", "date\n");
    raw.writeText("raw/locations.csv", "location_id,state_code\n");
    raw.delete("raw/health_data_2024-01-01.csv");
    Optional<String> baseline = manifests.newest();
    RawManifest second = manifests.record(raw, RawManifests.listRaw(raw), "scan-2", "scan", baseline);

    assertThat(second.baseline()).isEqualTo("_manifests/raw/scan-1.json");
    assertThat(second.added()).extracting(RawManifest.Entry::key).containsExactly("raw/health_data_2024-01-02.csv");
    assertThat(second.changed()).extracting(RawManifest.Entry::key, RawManifest.Entry::size)
        .containsExactly(tuple("raw/locations.csv", 23L));
    assertThat(second.removed()).extracting(RawManifest.Entry::key).containsExactly("raw/health_data_2024-01-01.csv");
    assertThat(second.unchanged()).isZero();
    assertThat(second.hasChanges()).isTrue();
    assertThat(manifests.read("_manifests/raw/scan-2.json")).isEqualTo(second);
  }

  private static String md5(String text) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
