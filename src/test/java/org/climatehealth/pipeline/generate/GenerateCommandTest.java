package org.climatehealth.pipeline.generate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code generate} through the command line, as users run it. */
@SuppressWarnings("unchecked")
class GenerateCommandTest {

  @TempDir Path dir;

  private CliRun generate(String... extra) {
    String[] base = {"generate", "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed")};
    return CliRun.of(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private List<String> rawFiles() throws IOException {
    Path root = dir.resolve("raw");
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
    }
  }

  @Test
  void writesTheFourDatasetsAManifestAndARunReportAndSummarises() throws IOException {
    CliRun run = generate("--locations", "3", "--days", "20", "--seed", "7", "--start-date", "2024-02-20",
        "--run-id", "gen-1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(rawFiles()).containsExactly("_generator/manifest.json", "raw/climate_data.csv", "raw/health_data.csv",
        "raw/hospital_data.csv", "raw/locations.csv");
    List<String> out = run.outLines();
    assertThat(out.get(0)).isEqualTo("generate: 3 locations x 20 days (2024-02-20 to 2024-03-10), seed 7,"
        + " dirty fraction 0.0 -> raw store file:" + dir.resolve("raw"));
    assertThat(out).anyMatch(l -> l.matches("  locations +1 file +3 rows +\\d+ B"));
    assertThat(out).anyMatch(l -> l.matches("  climate +1 file +60 rows +.*"));
    assertThat(out).anyMatch(l -> l.matches("  health +1 file +360 rows +.*"));
    assertThat(out).contains("  diseases: dengue, malaria, heat_illness, respiratory, diarrhoeal, cholera"
        + " (not in pipeline.diseases: cholera)");
    assertThat(out).contains("  manifest: file:" + dir.resolve("raw/_generator/manifest.json"));
    assertThat(out).anyMatch(l -> l.matches("generate: wrote 4 files, [\\d,]+ rows, .* in \\d+\\.\\d s"));
    assertThat(out).anyMatch(l -> l.matches("run_id=gen-1 command=generate status=success duration_s=\\d+\\.\\d{3}"));
    assertThat(out).last().isEqualTo("report: file:" + dir.resolve("processed/_runs/generate/gen-1.json"));

    Map<String, Object> report = new ObjectMapper().readValue(
        dir.resolve("processed/_runs/generate/gen-1.json").toFile(), Map.class);
    assertThat(report).containsEntry("command", "generate").containsEntry("status", "success");
    Map<String, Object> details = (Map<String, Object>) report.get("details");
    assertThat((Map<String, Object>) details.get("parameters")).containsEntry("seed", 7).containsEntry("locations", 3)
        .containsEntry("days", 20).containsEntry("start_date", "2024-02-20").containsEntry("end_date", "2024-03-10")
        .containsEntry("dirty_fraction", 0.0).containsEntry("daily_files", false);
    assertThat((Map<String, Object>) ((Map<String, Object>) details.get("datasets")).get("climate"))
        .containsEntry("files", 1).containsEntry("rows", 60).containsEntry("expected_quarantined", 0);
    List<Map<String, Object>> outputs = (List<Map<String, Object>>) report.get("outputs");
    assertThat(outputs).contains(Map.of("path", "file:" + dir.resolve("raw/raw/climate_data.csv"), "objects", 1,
        "size_bytes", (int) Files.size(dir.resolve("raw/raw/climate_data.csv")), "rows", 60));
    assertThat(outputs).hasSize(5); // four files and the manifest
  }

  @Test
  void theDefaultsAreFiftyLocationsForTwoYearsFrom2023WithSeed42AndNoDirt() {
    CliRun run = generate();

    assertThat(run.exitCode()).as(run.err()).isZero();
    GeneratorManifest manifest = new org.climatehealth.pipeline.storage.LocalStorage(
        org.climatehealth.pipeline.storage.StoreUri.local(dir.resolve("raw")))
        .readJson(GeneratorManifest.KEY, GeneratorManifest.class);
    assertThat(manifest.locations()).isEqualTo(50);
    assertThat(manifest.days()).isEqualTo(730);
    assertThat(manifest.startDate()).isEqualTo("2023-01-01");
    assertThat(manifest.seed()).isEqualTo(42);
    assertThat(manifest.dirtyFraction()).isZero();
    assertThat(manifest.dailyFiles()).isFalse();
  }

  @Test
  void dailyFilesAreNamedByDay() throws IOException {
    CliRun run = generate("--locations", "2", "--days", "3", "--start-date", "2024-11-11", "--daily-files");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(rawFiles()).contains("raw/locations.csv", "raw/climate_data_2024-11-11.csv",
        "raw/climate_data_2024-11-13.csv", "raw/health_data_2024-11-12.csv")
        .doesNotContain("raw/climate_data.csv", "raw/climate_data_2024-11-14.csv")
        .allMatch(f -> f.startsWith("_generator/") || f.matches("raw/(locations|(climate|health|hospital)_data_2024-11-1[123])\\.csv"));
    assertThat(run.outLines()).anyMatch(l -> l.matches("  climate +3 files +6 rows +.*"));
  }

  @Test
  void refusesToWriteOverRawDataUnlessToldToOverwriteWhichReplacesOnlyTheRawDatasets() throws IOException {
    assertThat(generate("--locations", "2", "--days", "3", "--daily-files").exitCode()).isZero();
    Files.writeString(dir.resolve("raw/raw/notes.txt"), "keep me");
    Files.createDirectories(dir.resolve("raw/raw/archive"));
    Files.writeString(dir.resolve("raw/raw/archive/climate_data.csv"), "keep me too");
    Files.writeString(dir.resolve("raw/raw/climate_data.txt"), "and me");
    byte[] before = Files.readAllBytes(dir.resolve("raw/raw/climate_data_2023-01-02.csv"));

    CliRun refused = generate("--locations", "2", "--days", "3", "--run-id", "refused");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.errLines()).containsExactly("error: the raw store already holds file:"
        + dir.resolve("raw/raw/locations.csv") + "; rerun with --overwrite to replace"
        + " raw/locations*.csv, raw/climate_data*.csv, raw/health_data*.csv and raw/hospital_data*.csv");

    // daily files alone are found too
    Files.delete(dir.resolve("raw/raw/locations.csv"));
    refused = generate("--locations", "2", "--days", "3", "--run-id", "refused");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.errLines()).containsExactly("error: the raw store already holds file:"
        + dir.resolve("raw/raw/climate_data_2023-01-01.csv") + "; rerun with --overwrite to replace"
        + " raw/locations*.csv, raw/climate_data*.csv, raw/health_data*.csv and raw/hospital_data*.csv");
    assertThat(Files.readAllBytes(dir.resolve("raw/raw/climate_data_2023-01-02.csv"))).isEqualTo(before);
    assertThat(dir.resolve("raw/raw/climate_data.csv")).doesNotExist();
    assertThat(dir.resolve("processed/_runs/generate/refused.json")).doesNotExist();

    CliRun replaced = generate("--locations", "2", "--days", "3", "--overwrite");
    assertThat(replaced.exitCode()).as(replaced.err()).isZero();
    assertThat(replaced.outLines()).anyMatch(l -> l.matches("  deleted \\d+ existing raw dataset files first \\(--overwrite\\)"));
    assertThat(rawFiles()).containsExactly("_generator/manifest.json", "raw/archive/climate_data.csv",
        "raw/climate_data.csv", "raw/climate_data.txt", "raw/health_data.csv", "raw/hospital_data.csv",
        "raw/locations.csv", "raw/notes.txt");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "--locations|0|error: bad --locations 0: use 1 to 100000",
      "--locations|100001|error: bad --locations 100001: use 1 to 100000",
      "--days|0|error: bad --days 0: use 1 to 36500",
      "--days|36501|error: bad --days 36501: use 1 to 36500",
      "--dirty-fraction|0.6|error: bad --dirty-fraction 0.6: use 0 to 0.5",
      "--dirty-fraction|-0.1|error: bad --dirty-fraction -0.1: use 0 to 0.5",
      "--start-date|2023-13-01|error: bad --start-date '2023-13-01': use an ISO date such as 2023-01-01",
      "--start-date|01/01/2023|error: bad --start-date '01/01/2023': use an ISO date such as 2023-01-01"})
  void aBadOptionValueIsAUsageErrorOfOneLineAndWritesNothing(String option, String value, String error) {
    CliRun run = generate(option, value);

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).containsExactly(error);
    assertThat(run.out()).isEmpty();
    assertThat(dir.resolve("raw")).doesNotExist();
    assertThat(dir.resolve("processed")).doesNotExist();
  }

  @Test
  void aValueThatIsNotANumberIsAUsageError() {
    CliRun run = generate("--locations", "many");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines().get(0)).startsWith("error: Invalid value for option '--locations'");
  }

  @Test
  void helpListsTheOptions() {
    CliRun run = CliRun.of("generate", "--help");
    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).startsWith("Usage: pipeline generate").contains("--locations=N", "--days=N",
        "--start-date=DATE", "--seed=N", "--dirty-fraction=F", "--daily-files", "--overwrite", "--env=NAME",
        "--conf=KEY=VALUE", "--run-id=ID");
    assertThat(CliRun.of("--help").out()).containsPattern("(?m)^\\s+generate\\s");
  }
}
