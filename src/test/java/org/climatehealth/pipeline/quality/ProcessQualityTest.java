package org.climatehealth.pipeline.quality;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code process} with its quality checks, end to end: two runs on full data build the history;
 * then climate drops from 10 valid rows to 3. With the row-drop check at error the run exits 1
 * and publishes nothing; at warn (the default) it succeeds and the report says what dropped.
 */
class ProcessQualityTest {

  static final String LOCATIONS = "location_id,location_name,state_code,district,latitude,longitude,population\n"
      + "KA-BLR,Bengaluru,KA,Bengaluru Urban,12.97,77.59,1000000\n"
      + "MH-PUN,Pune,MH,Pune,18.52,73.85,500000\n";

  static final String HEADER = "date,location_id,temperature_max_c,temperature_min_c,humidity_pct,rainfall_mm,air_quality_index\n";

  static final String HEALTH = "date,location_id,disease,cases,deaths,hospitalizations\n"
      + "2024-01-05,KA-BLR,dengue,10,1,2\n"
      + "2024-01-09,MH-PUN,dengue,7,0,1\n";

  static final String HOSPITAL = "report_date,hospital_id,location_id,hospital_name,total_beds,icu_beds,occupied_beds\n"
      + "2024-01-01,H1,KA-BLR,City,100,10,50\n";

  @TempDir Path dir;

  /** KA-BLR on 2024-01-01 .. 2024-01-{days}: every column filled in. */
  static String climate(int days) {
    StringBuilder csv = new StringBuilder(HEADER);
    for (int day = 1; day <= days; day++) {
      csv.append(String.format("2024-01-%02d,KA-BLR,30,20,50,%d,80%n", day, day));
    }
    return csv.toString();
  }

  private void writeRaw(String climate) throws IOException {
    write("raw/locations.csv", LOCATIONS);
    write("raw/climate_data.csv", climate);
    write("raw/health_data.csv", HEALTH);
    write("raw/hospital_data.csv", HOSPITAL);
  }

  private void write(String key, String content) throws IOException {
    Path file = dir.resolve("raw").resolve(key);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content, StandardCharsets.UTF_8);
  }

  private CliRun process(String runId, String... extra) {
    String[] base = {"process", "--run-id", runId, "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed"),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models")};
    return CliRun.of(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private JsonNode json(String key) throws IOException {
    return new ObjectMapper().readTree(dir.resolve("processed").resolve(key).toFile());
  }

  /** The published data: every object but the run reports and the lease, with its checksum. */
  private Map<String, String> published(LocalStorage processed) {
    Map<String, String> objects = new TreeMap<>();
    for (ObjectInfo o : processed.list("")) {
      if (!o.key().startsWith("_runs/") && !o.key().startsWith("_lease/")) {
        objects.put(o.key(), o.etag());
      }
    }
    return objects;
  }

  private static JsonNode check(JsonNode report, String dataset, String check) {
    for (JsonNode c : report.get("quality").get("checks")) {
      if (c.get("dataset").asText().equals(dataset) && c.get("check").asText().equals(check)) {
        return c;
      }
    }
    throw new AssertionError("no " + dataset + " " + check + " in " + report.get("quality"));
  }

  @Test
  void aSuddenDropFailsTheRunAtErrorAndOnlyWarnsAtWarn() throws IOException {
    TestSpark.session();
    LocalStorage processed = new LocalStorage(StoreUri.local(dir.resolve("processed")));
    writeRaw(climate(10));
    for (String runId : List.of("q-1", "q-2")) {
      CliRun run = process(runId);
      assertThat(run.exitCode()).as(run.err()).isZero();
      // no history for q-1; q-2 compares with q-1's 10 rows: every check passes on this data
      assertThat(run.out()).contains("quality: 30 checks, 30 passed, 0 warnings, 0 errors");
    }
    Map<String, String> before = published(processed);
    assertThat(before.keySet()).anyMatch(k -> k.startsWith("processed/daily_location/month=2024-01/"))
        .anyMatch(k -> k.startsWith("processed/climate/month=2024-01/"));

    // climate: 2024-01-01 .. 03 plus a row of an unknown location (quarantined): 3 valid rows
    writeRaw(climate(3) + "2024-01-02,ZZ-NONE,30,20,50,1,80\n");

    CliRun failed = process("q-3", "--conf", "pipeline.quality.climate.row-drop.level=error");
    assertThat(failed.exitCode()).as(failed.out() + failed.err()).isEqualTo(1);
    // median of q-1 and q-2 is 10 valid rows; 0.5 x 10 = 5 > 3
    String expected = "climate row-drop: 3 valid rows, 30.0% of the median 10 of the last 2 successful runs, "
        + "expected >= 5 (0.5 x median 10 of the last 2 successful runs)";
    assertThat(failed.err()).contains("quality check failed at level error, nothing was published: " + expected);
    JsonNode failedReport = json("_runs/process/q-3.json");
    assertThat(failedReport.get("status").asText()).isEqualTo("failed");
    assertThat(failedReport.get("error").get("message").asText()).contains(expected);
    assertThat(failedReport.get("error").get("type").asText()).isEqualTo("QualityCheckFailedException");
    assertThat(check(failedReport, "climate", "row-drop").get("level").asText()).isEqualTo("error");
    // nothing published and nothing left but the report: tables, daily_location, quarantine as before
    assertThat(published(processed)).isEqualTo(before);
    assertThat(processed.list("quarantine/")).isEmpty();

    CliRun warned = process("q-4");
    assertThat(warned.exitCode()).as(warned.err()).isZero();
    // q-3 failed, so the history is still q-2 and q-1. climate: quarantine-share 1/4 > 0.05, known-location
    // 3/4 < 0.99; daily_location: 5 rows (KA-BLR 01..03 and 05, MH-PUN 09) < 0.5 x 11
    assertThat(warned.out()).contains("quality: 30 checks, 26 passed, 4 warnings (climate row-drop, climate "
        + "quarantine-share, climate known-location, daily_location row-drop), 0 errors");
    JsonNode report = json("_runs/process/q-4.json");
    assertThat(report.get("status").asText()).isEqualTo("success");
    JsonNode drop = check(report, "climate", "row-drop");
    assertThat(drop.get("level").asText()).isEqualTo("warn");
    assertThat(drop.get("passed").asBoolean()).isFalse();
    assertThat(drop.get("value").asLong()).isEqualTo(3);
    assertThat(drop.get("threshold").asText()).isEqualTo(">= 5 (0.5 x median 10 of the last 2 successful runs)");
    assertThat(check(report, "daily_location", "row-drop").get("threshold").asText())
        .isEqualTo(">= 5.5 (0.5 x median 11 of the last 2 successful runs)");
    assertThat(check(report, "climate", "known-location").get("value").asDouble()).isEqualTo(0.75);
    // published this time, quarantine included
    assertThat(published(processed)).isNotEqualTo(before);
    assertThat(processed.list("quarantine/climate/run_id=q-4/")).isNotEmpty();

    // the history reads back: q-4, q-2, q-1 (newest first; q-3 failed and does not count)
    Map<String, List<Long>> history = new QualityHistory(processed).previousValidRows("q-5", 5, null, null);
    assertThat(history.get("climate")).containsExactly(3L, 10L, 10L);
    assertThat(history.get("daily_location")).containsExactly(5L, 11L, 11L);
    assertThat(history.get("health")).containsExactly(2L, 2L, 2L);
    JsonNode metrics = report.get("quality").get("metrics");
    assertThat(metrics.get("climate").get("rows_quarantined").asLong()).isEqualTo(1);
    assertThat(metrics.get("climate").get("unknown_location").asLong()).isEqualTo(1);
    assertThat(metrics.get("climate").get("newest_date").asText()).isEqualTo("2024-01-03");
    assertThat(metrics.get("health").get("newest_date").asText()).isEqualTo("2024-01-09");
    assertThat(metrics.get("climate").get("non_null").get("rainfall_mm").asLong()).isEqualTo(3);
    // a run over a range compares daily_location only with runs over the same range
    assertThat(new QualityHistory(processed).previousValidRows("q-5", 5, "2024-01-01", "2024-01-31")
        .get("daily_location")).isEmpty();
  }
}
