package org.climatehealth.pipeline.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code migrate} between local trees, through the command line as users run it. */
@SuppressWarnings("unchecked")
class MigrationTest {

  @TempDir Path dir;
  private Path source;

  @BeforeEach
  void seedTree() throws IOException {
    source = dir.resolve("seed");
    write("data/raw/climate_data.csv", "date,location_id\n2024-01-01,KA-BLR\n"); // 17 + 18 = 35 bytes
    write("data/raw/2024/health_data.csv", "h\n");                              // 2 bytes
    write("data/processed/climate/part-0.csv", "p\n");                          // 2 bytes
    write("models/risk/model.bin", "0123456789");                               // 10 bytes
    write("unrelated/notes.txt", "not migrated");
  }

  private void write(String relative, String content) throws IOException {
    Path file = source.resolve(relative);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  private CliRun migrate(String... extra) {
    String[] base = {"migrate", "--source", source.toString(),
        "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed"),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models")};
    String[] all = Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new);
    return CliRun.of(all);
  }

  @Test
  void copiesEverythingOnceThenNothing() {
    CliRun first = migrate();

    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.outLines())
        .contains("migrate: copied 4 files (49 B), skipped 0 identical (0 B), failed 0");
    assertThat(dir.resolve("raw/raw/climate_data.csv")).hasContent("date,location_id\n2024-01-01,KA-BLR");
    assertThat(dir.resolve("raw/raw/2024/health_data.csv")).exists();
    assertThat(dir.resolve("processed/processed/climate/part-0.csv")).exists();
    assertThat(dir.resolve("models/models/risk/model.bin")).hasContent("0123456789");
    assertThat(dir.resolve("raw/unrelated")).doesNotExist();

    CliRun second = migrate();
    assertThat(second.exitCode()).isZero();
    assertThat(second.outLines())
        .contains("migrate: copied 0 files (0 B), skipped 4 identical (49 B), failed 0");
  }

  @Test
  void eachRealRunWritesARunReportAndEndsWithItsFacts() throws IOException {
    CliRun run = migrate("--run-id", "seed-copy-1");

    Path report = dir.resolve("processed/_runs/migrate/seed-copy-1.json");
    assertThat(run.outLines()).anyMatch(l -> l.matches("run_id=seed-copy-1 command=migrate status=success duration_s=\\d+\\.\\d{3}"));
    assertThat(run.outLines()).last().isEqualTo("report: file:" + report);
    @SuppressWarnings("unchecked")
    Map<String, Object> json = new ObjectMapper().readValue(report.toFile(), Map.class);
    assertThat(json).containsEntry("run_id", "seed-copy-1").containsEntry("command", "migrate")
        .containsEntry("status", "success").containsEntry("env", "local")
        .containsKeys("started_at", "finished_at", "duration_s");
    assertThat((Map<String, Object>) json.get("details")).containsEntry("copied", 4).containsEntry("bytes_copied", 49)
        .containsEntry("skipped_identical", 0).containsEntry("failed", 0);
    assertThat((List<Map<String, Object>>) json.get("inputs")).hasSize(4)
        .contains(Map.of("path", "data/raw/climate_data.csv", "size_bytes", 35));
    assertThat((List<Map<String, Object>>) json.get("outputs")).contains(
        Map.of("path", "file:" + dir.resolve("raw/raw"), "objects", 2, "size_bytes", 37));
  }

  @Test
  void aChangedFileIsCopiedAgainEvenWhenItsSizeIsTheSame() throws IOException {
    migrate();
    write("models/risk/model.bin", "9876543210");

    CliRun again = migrate();
    assertThat(again.outLines())
        .contains("migrate: copied 1 file (10 B), skipped 3 identical (39 B), failed 0");
    assertThat(dir.resolve("models/models/risk/model.bin")).hasContent("9876543210");
  }

  @Test
  void aDryRunListsThePlanAndWritesNothing() throws IOException {
    CliRun dry = migrate("--dry-run");

    assertThat(dry.exitCode()).isZero();
    assertThat(dry.outLines()).contains(
        "would copy data/raw/climate_data.csv -> file:" + dir.resolve("raw/raw/climate_data.csv") + " (35 B)");
    assertThat(dry.outLines()).last().isEqualTo(
        "migrate (dry run, nothing written): would copy 4 files (49 B), skipped 0 identical (0 B), failed 0");
    assertThat(dir.resolve("raw")).doesNotExist();
    assertThat(dir.resolve("processed")).doesNotExist(); // not even a run report
    assertThat(dir.resolve("models")).doesNotExist();

    migrate();
    CliRun dryAfter = migrate("--dry-run");
    assertThat(dryAfter.outLines()).contains("would skip (identical) models/risk/model.bin -> file:"
        + dir.resolve("models/models/risk/model.bin") + " (10 B)");
  }

  @Test
  void oneFailedFileDoesNotStopTheOthersAndMakesTheRunFail() throws IOException {
    // a folder where an object should go: that one copy cannot succeed
    Files.createDirectories(dir.resolve("models/models/risk/model.bin"));

    CliRun run = migrate();

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.outLines()).contains("migrate: copied 3 files (39 B), skipped 0 identical (0 B), failed 1");
    assertThat(run.out()).contains("failed: models/risk/model.bin -> file:" + dir.resolve("models/models/risk/model.bin"));
    assertThat(run.errLines().get(0)).isEqualTo("error: 1 of 4 files failed to copy (listed above); rerun to retry them");
    assertThat(run.out()).contains("command=migrate status=failed");
    Path runs = dir.resolve("processed/_runs/migrate");
    try (Stream<Path> reports = Files.list(runs)) {
      String json = Files.readString(reports.findFirst().orElseThrow());
      assertThat(json).contains("\"status\" : \"failed\"").contains("\"failed\" : 1")
          .contains("1 of 4 files failed to copy");
    }
    assertThat(dir.resolve("raw/raw/climate_data.csv")).exists();
  }

  @Test
  void missingSourceFoldersAreNotedAndAMissingTreeIsAUsageError() throws IOException {
    Path partial = dir.resolve("partial");
    Files.createDirectories(partial.resolve("models"));
    Files.writeString(partial.resolve("models/m.txt"), "m");
    CliRun some = CliRun.of("migrate", "--source", partial.toString(),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models2"),
        // its run report goes here, not into the working directory's default store
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed2"));
    assertThat(some.exitCode()).isZero();
    assertThat(some.out()).contains("note: data/raw not found under " + partial);
    assertThat(dir.resolve("models2/models/m.txt")).hasContent("m");
    assertThat(dir.resolve("processed2/_runs/migrate")).isDirectoryContaining(p -> p.toString().endsWith(".json"));

    CliRun none = CliRun.of("migrate", "--source", dir.resolve("nowhere").toString());
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.errLines()).containsExactly("error: migrate source " + dir.resolve("nowhere") + " is not a directory");
  }
}
