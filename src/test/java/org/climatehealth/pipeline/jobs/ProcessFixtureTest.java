package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestFiles;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code process} end to end on a small hand-written raw store that covers every reason code,
 * every accepted date format, a BOM with CRLF line ends, header names in other case and spacing,
 * an unknown column, a quoted comma, a rolling window across a missing day and two hospitals
 * reporting on different days. Every expected number is worked out by hand in the comments.
 */
class ProcessFixtureTest {

  static final String LOCATIONS = "\uFEFF Location ID ,Location-Name,STATE_CODE,district,latitude,longitude,population\r\n"
      + "KA-BLR,Bengaluru,KA,Bengaluru Urban,12.97,77.59,1000000\r\n"   // valid
      + "mh-pun ,Pune,MH,Pune,18.52,73.85,500000\r\n"                   // valid: id is MH-PUN
      + "XX-BAD,Bad,XX,,95,10,1000\r\n"                                 // OUT_OF_RANGE latitude
      + "XX-ZERO,Zero,XX,,10,10,0\r\n"                                  // OUT_OF_RANGE population
      + "XX-NOST,NoState,NA,,10,10,100\r\n"                             // MISSING_REQUIRED state_code
      + "KA-BLR,Bengaluru,KA,Bengaluru Urban,12.97,77.59,1000000\r\n";  // exact duplicate: collapsed

  static final String CLIMATE = "date,location_id,temperature_max_c,temperature_min_c,humidity_pct,rainfall_mm,air_quality_index,notes\n"
      + "2024-01-01,KA-BLR,30,20,50,10,80,x\n"     // 1 valid
      + "02/01/2024,KA-BLR,31,21,55,20,85,x\n"     // 2 valid: dd/MM/yyyy is 2 Jan
      + "2024/01/04,ka-blr,32,22,60,NA,90,x\n"     // 3 valid: yyyy/MM/dd, rainfall missing
      + "05-01-2024,KA-BLR,33,23,65,5,95,x\n"      // 4 valid: dd-MM-yyyy
      + "2024-01-08,KA-BLR,30,20,50,1,80,x\n"      // 5 valid
      + "2024-02-01,KA-BLR,28,18,40,0,70,x\n"      // 6 valid (February)
      + "2024-02-30,KA-BLR,30,20,50,1,80,x\n"      // BAD_DATE
      + "2024-01-09,KA-BLR,abc,20,50,1,80,x\n"     // BAD_NUMBER
      + "2024-01-10,KA-BLR,30,20,140,1,80,x\n"     // OUT_OF_RANGE humidity
      + "2024-01-11,KA-BLR,20,30,50,1,80,x\n"      // OUT_OF_RANGE min > max
      + "2024-01-12,KA-BLR,30,20,50,-999,80,x\n"   // OUT_OF_RANGE rainfall sentinel
      + "2024-01-13,ZZ-NONE,30,20,50,1,80,x\n"     // UNKNOWN_LOCATION
      + "2024-01-14,KA-BLR,30,20,50,1,80\n"        // MALFORMED_ROW: a field short
      + "2024-01-15,KA-BLR,30,20,50,1,80,x,extra\n" // MALFORMED_ROW: a field over
      + ",KA-BLR,30,20,50,1,80,x\n"                // MISSING_REQUIRED date
      + "2024-01-16,KA-BLR,30,20,50,1,80,x\n"      // DUPLICATE_KEY_CONFLICT
      + "2024-01-16,KA-BLR,31,20,50,1,80,x\n"      // DUPLICATE_KEY_CONFLICT
      + "2024-01-01,KA-BLR,30,20,50,10,80,y\n"     // same values as row 1 (notes is not ours): collapsed
      + "2024-01-02,MH-PUN,25,15,45,2,60,\"quoted, comma\"\n" // 7 valid
      + "2024-01-01,XX-BAD,30,20,50,1,80,x\n";     // UNKNOWN_LOCATION: that location was quarantined

  static final String HEALTH = "date,location_id,disease,cases,deaths,hospitalizations\n"
      + "2024-01-01,KA-BLR,dengue,10,1,2\n"        // valid
      + "2024-01-01,KA-BLR, Malaria ,5,0,1\n"      // valid: disease malaria
      + "2024-01-01,KA-BLR,cholera,3,0,0\n"        // valid: not a configured disease
      + "2024-01-03,KA-BLR,dengue,4,N/A,-\n"       // valid: a day with health data only
      + "2024-01-02,KA-BLR,dengue,2.5,0,0\n"       // BAD_NUMBER: not a whole count
      + "2024-01-02,KA-BLR,malaria,3,5,0\n"        // OUT_OF_RANGE deaths > cases
      + "2024-01-02,KA-BLR,heat_illness,-1,0,0\n"  // OUT_OF_RANGE negative
      + "2024-01-02,KA-BLR,respiratory,null,0,0\n" // MISSING_REQUIRED cases
      + "2024-01-02,MH-PUN,dengue,7,0,1\n";        // valid

  static final String HOSPITAL = "report_date,hospital_id,location_id,hospital_name,total_beds,icu_beds,occupied_beds\n"
      + "2024-01-01,H1,KA-BLR,\"City Hospital, North\",100,10,50\n"
      + "2024-01-04,H2,KA-BLR,General,200,20,100\n"
      + "2024-01-05,H1,KA-BLR,\"City Hospital, North\",120,10,60\n"
      + "2024-01-06,H3,KA-BLR,Over,50,5,60\n"      // OUT_OF_RANGE occupied > total
      + "2024-01-01,H9,MH-PUN,Pune Hosp,80,8,40\n";

  /** One run over the fixture ({@code fixture-1}), whose stores the tests that only read share. */
  @TempDir static Path shared;
  private static Path sharedProcessed;
  private static CliRun first;
  private static SparkSession spark;

  /** Each test's own stores: the fixture, and for tests that run again, a copy of the shared run's output. */
  @TempDir Path dir;
  private Path raw;
  private Path processed;

  @BeforeAll
  static void processTheFixtureOnce() throws IOException {
    spark = TestSpark.session();
    Path sharedRaw = shared.resolve("raw-bucket");
    writeFixture(sharedRaw);
    sharedProcessed = shared.resolve("processed-bucket");
    first = process(sharedRaw, sharedProcessed, shared.resolve("models"), "--run-id", "fixture-1");
    assertThat(first.exitCode()).as(first.err()).isZero();
  }

  @BeforeEach
  void rawStore() throws IOException {
    raw = dir.resolve("raw-bucket");
    processed = dir.resolve("processed-bucket");
    writeFixture(raw);
  }

  private static void writeFixture(Path store) throws IOException {
    write(store, "raw/locations.csv", LOCATIONS);
    write(store, "raw/climate_data.csv", CLIMATE);
    write(store, "raw/health_data.csv", HEALTH);
    write(store, "raw/hospital_data.csv", HOSPITAL);
  }

  private static void write(Path store, String key, String content) throws IOException {
    Files.createDirectories(store.resolve(key).getParent());
    Files.writeString(store.resolve(key), content, StandardCharsets.UTF_8);
  }

  private void write(String key, String content) throws IOException {
    write(raw, key, content);
  }

  private static CliRun process(Path raw, Path processed, Path models, String... extra) {
    String[] base = {"process", "--conf", "pipeline.stores.raw=file:" + raw, "--conf",
        "pipeline.stores.processed=file:" + processed, "--conf", "pipeline.stores.models=file:" + models};
    return CliRun.of(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
  }

  private CliRun process(String... extra) {
    return process(raw, processed, dir.resolve("models"), extra);
  }

  /** This test's processed store starts as the shared run left it (same raw files: the same output). */
  private void fromSharedRun() throws IOException {
    TestFiles.copyTree(sharedProcessed, processed);
  }

  private static JsonNode report(Path store, String runId) throws IOException {
    return new ObjectMapper().readTree(store.resolve("_runs/process/" + runId + ".json").toFile());
  }

  private JsonNode report(String runId) throws IOException {
    return report(processed, runId);
  }

  @Test
  void everyRowIsAccountedForWithItsReason() throws IOException {
    CliRun run = first;

    JsonNode datasets = report(sharedProcessed, "fixture-1").get("details").get("datasets");
    assertAccounting(datasets.get("locations"), 6, 2, 3, 1, Map.of("OUT_OF_RANGE", 2, "MISSING_REQUIRED", 1));
    assertAccounting(datasets.get("climate"), 20, 7, 12, 1, Map.of("BAD_DATE", 1, "BAD_NUMBER", 1,
        "OUT_OF_RANGE", 3, "UNKNOWN_LOCATION", 2, "MALFORMED_ROW", 2, "MISSING_REQUIRED", 1,
        "DUPLICATE_KEY_CONFLICT", 2));
    assertAccounting(datasets.get("health"), 9, 5, 4, 0, Map.of("BAD_NUMBER", 1, "OUT_OF_RANGE", 2,
        "MISSING_REQUIRED", 1));
    assertAccounting(datasets.get("hospital"), 5, 4, 1, 0, Map.of("OUT_OF_RANGE", 1));
    assertThat(datasets.get("climate").get("unknown_columns").toString()).isEqualTo("[\"notes\"]");
    assertThat(report(sharedProcessed, "fixture-1").get("details").get("unconfigured_diseases").toString()).isEqualTo("[\"cholera\"]");
    // no --date or --from/--to: both ends open, JSON null (not the string "null")
    JsonNode range = report(sharedProcessed, "fixture-1").get("details").get("range");
    assertThat(range.get("from").isNull()).isTrue();
    assertThat(range.get("to").isNull()).isTrue();
    report(sharedProcessed, "fixture-1").get("details").get("stage_seconds")
        .forEach(seconds -> assertThat(seconds.isNumber()).as(seconds.toString()).isTrue());
    assertThat(run.out()).contains("climate              20            7           12            1")
        .contains("diseases not in pipeline.diseases (counted in totals only): cholera")
        .contains("run_id=fixture-1 command=process status=success");
  }

  private static void assertAccounting(JsonNode node, long read, long valid, long quarantined, long collapsed,
      Map<String, Integer> reasons) {
    assertThat(node.get("rows_read").asLong()).isEqualTo(read);
    assertThat(node.get("rows_valid").asLong()).isEqualTo(valid);
    assertThat(node.get("rows_quarantined").asLong()).isEqualTo(quarantined);
    assertThat(node.get("duplicates_collapsed").asLong()).isEqualTo(collapsed);
    assertThat(node.get("identity_holds").asBoolean()).isTrue();
    Map<String, Integer> actual = new HashMap<>();
    node.get("reasons").fields().forEachRemaining(e -> actual.put(e.getKey(), e.getValue().asInt()));
    assertThat(actual).isEqualTo(reasons);
  }

  @Test
  void quarantinedRowsKeepTheirRawFieldsSourceAndReason() {
    List<Row> rows = spark.read().json(sharedProcessed.resolve("quarantine/climate/run_id=fixture-1").toString())
        .orderBy("_reason", "date").collectAsList();
    Map<String, String> reasonByDate = new HashMap<>();
    for (Row row : rows) {
      reasonByDate.merge(java.util.Objects.toString(row.<String>getAs("date"), ""), row.<String>getAs("_reason"),
          (a, b) -> a + "+" + b);
      assertThat((String) row.getAs("_source_file")).endsWith("raw/climate_data.csv");
      assertThat((String) row.getAs("_detail")).isNotBlank();
    }
    assertThat(reasonByDate).containsEntry("2024-02-30", "BAD_DATE")
        .containsEntry("2024-01-09", "BAD_NUMBER")
        .containsEntry("2024-01-14", "MALFORMED_ROW")
        .containsEntry("2024-01-15", "MALFORMED_ROW")
        .containsEntry("", "MISSING_REQUIRED")
        .containsEntry("2024-01-16", "DUPLICATE_KEY_CONFLICT+DUPLICATE_KEY_CONFLICT")
        .containsEntry("2024-01-13", "UNKNOWN_LOCATION");
    Row humidity = rows.stream().filter(r -> "2024-01-10".equals(r.getAs("date"))).findFirst().orElseThrow();
    assertThat((String) humidity.getAs("_detail")).isEqualTo("humidity_pct=140 is outside 0..100");
    assertThat((String) humidity.getAs("humidity_pct")).isEqualTo("140");
    assertThat((String) humidity.getAs("notes")).isEqualTo("x");
  }

  @Test
  void dailyLocationIsBuiltFromTheValidRows() {
    Map<String, Row> byKey = new HashMap<>();
    for (Row row : spark.read().parquet(sharedProcessed.resolve("processed/daily_location").toString()).collectAsList()) {
      byKey.put(row.getAs("location_id") + " " + row.getAs("date"), row);
    }
    // KA-BLR: climate on 1, 2, 4, 5, 8 Jan and 1 Feb; health on 1 and 3 Jan. MH-PUN: 2 Jan.
    assertThat(byKey.keySet()).containsExactlyInAnyOrder("KA-BLR 2024-01-01", "KA-BLR 2024-01-02",
        "KA-BLR 2024-01-03", "KA-BLR 2024-01-04", "KA-BLR 2024-01-05", "KA-BLR 2024-01-08", "KA-BLR 2024-02-01",
        "MH-PUN 2024-01-02");

    Row jan1 = byKey.get("KA-BLR 2024-01-01");
    assertThat((Long) jan1.getAs("cases_total")).isEqualTo(18L);           // 10 dengue + 5 malaria + 3 cholera
    assertThat((Long) jan1.getAs("cases_dengue")).isEqualTo(10L);
    assertThat((Long) jan1.getAs("cases_heat_illness")).isEqualTo(0L);
    assertThat((Double) jan1.getAs("cases_per_100k")).isEqualTo(1.8);     // 18 / 1,000,000 * 100,000
    assertThat((Long) jan1.getAs("total_beds")).isEqualTo(100L);           // H1 only
    assertThat((Double) jan1.getAs("temperature_mean_c")).isEqualTo(25.0);

    Row jan3 = byKey.get("KA-BLR 2024-01-03");                           // health only
    assertThat((Double) jan3.getAs("rainfall_mm")).isNull();
    assertThat((Double) jan3.getAs("rainfall_7d_mm")).isEqualTo(30.0);    // 10 + 20
    assertThat((Long) jan3.getAs("cases_total")).isEqualTo(4L);

    Row jan5 = byKey.get("KA-BLR 2024-01-05");
    assertThat((Double) jan5.getAs("rainfall_7d_mm")).isEqualTo(35.0);    // 10 + 20 + (missing) + 5
    assertThat((Long) jan5.getAs("total_beds")).isEqualTo(320L);          // H1's 5 Jan report (120) + H2 (200)
    assertThat((Long) jan5.getAs("occupied_beds")).isEqualTo(160L);
    assertThat((Double) jan5.getAs("bed_occupancy_rate")).isEqualTo(0.5);
    assertThat((Long) byKey.get("KA-BLR 2024-01-02").getAs("cases_total")).isNull(); // all its rows were bad

    Row jan8 = byKey.get("KA-BLR 2024-01-08");
    assertThat((Double) jan8.getAs("rainfall_7d_mm")).isEqualTo(26.0);    // 2..8 Jan: 20 + 5 + 1; 1 Jan is out
    assertThat((Double) jan8.getAs("temperature_max_7d_mean_c")).isEqualTo(31.5); // (31 + 32 + 33 + 30) / 4
    assertThat((Double) byKey.get("KA-BLR 2024-02-01").getAs("rainfall_7d_mm")).isEqualTo(0.0);
    assertThat((Long) byKey.get("MH-PUN 2024-01-02").getAs("total_beds")).isEqualTo(80L);
    assertThat(byKey.get("MH-PUN 2024-01-02").<Date>getAs("date").toString()).isEqualTo("2024-01-02");
  }

  @Test
  void cleanedTablesHoldTypedValidRowsByMonth() throws IOException {
    assertThat(spark.read().parquet(sharedProcessed.resolve("processed/climate").toString()).count()).isEqualTo(7);
    assertThat(spark.read().parquet(sharedProcessed.resolve("processed/locations").toString())
        .orderBy("location_id").select("location_id").collectAsList().toString()).isEqualTo("[[KA-BLR], [MH-PUN]]");
    try (Stream<Path> months = Files.list(sharedProcessed.resolve("processed/climate"))) {
      assertThat(months.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("month=")).sorted())
          .containsExactly("month=2024-01", "month=2024-02");
    }
    assertThat(sharedProcessed.resolve("_staging")).doesNotExist();
  }

  @Test
  void aSecondRunGivesTheSameRowsAndNoExtraFiles() throws IOException {
    fromSharedRun();
    List<String> firstRows = dailyRows();
    List<Path> firstFiles = dataFiles();

    assertThat(process().exitCode()).isZero();

    assertThat(dailyRows()).isEqualTo(firstRows);
    assertThat(dataFiles()).hasSameSizeAs(firstFiles);
  }

  @Test
  void aRunForOneMonthLeavesTheOtherMonthsAlone() throws IOException {
    fromSharedRun();
    Path february = processed.resolve("processed/daily_location/month=2024-02");
    List<Path> februaryFiles;
    try (Stream<Path> files = Files.list(february)) {
      februaryFiles = files.toList();
    }
    write("raw/climate_data.csv", CLIMATE.replace("2024-01-01,KA-BLR,30,20,50,10,80,x\n", "2024-01-01,KA-BLR,30,20,50,99,80,x\n")
        .replace("2024-01-01,KA-BLR,30,20,50,10,80,y\n", ""));

    assertThat(process("--from", "2024-01-01", "--to", "2024-01-31").exitCode()).isZero();

    try (Stream<Path> files = Files.list(february)) {
      assertThat(files.toList()).isEqualTo(februaryFiles);
    }
    Row jan1 = spark.read().parquet(processed.resolve("processed/daily_location").toString())
        .where("location_id = 'KA-BLR' and date = '2024-01-01'").first();
    assertThat((Double) jan1.getAs("rainfall_mm")).isEqualTo(99.0);
  }

  @Test
  void aRangeWithNoDataWritesNothingAndReportsZeroRows() throws IOException {
    fromSharedRun();
    List<String> before = dailyRows();

    CliRun run = process("--date", "2030-06-15", "--run-id", "empty-range");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("daily_location: 0 rows in 0 month partitions");
    assertThat(dailyRows()).isEqualTo(before);
    JsonNode range = report("empty-range").get("details").get("range");
    assertThat(range.get("from").textValue()).isEqualTo("2030-06-15");
    assertThat(range.get("to").textValue()).isEqualTo("2030-06-15");
    JsonNode outputs = report("empty-range").get("outputs");
    for (JsonNode output : outputs) {
      // locations has no months: it is rewritten whole on every run
      if (output.get("path").asText().contains("/processed/") && !output.get("path").asText().endsWith("/locations")) {
        assertThat(output.get("rows").asLong()).as(output.get("path").asText()).isZero();
      }
    }
  }

  @Test
  void aMissingRequiredColumnStopsTheJobBeforeAnythingIsWritten() throws IOException {
    write("raw/health_data.csv", "date,location_id,disease,deaths\n2024-01-01,KA-BLR,dengue,0\n");

    CliRun run = process();

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).containsExactly("error: file:" + raw.resolve("raw/health_data.csv")
        + ": required column 'cases' is missing from the header (found: date, location_id, disease, deaths)");
    assertThat(processed).doesNotExist();
  }

  @Test
  void anEmptyRawStoreOrAnInvertedRangeIsAUsageError() throws IOException {
    CliRun inverted = process("--from", "2024-02-01", "--to", "2024-01-01");
    assertThat(inverted.exitCode()).isEqualTo(2);
    assertThat(inverted.errLines()).containsExactly("error: --from 2024-02-01 is after --to 2024-01-01");

    Files.delete(raw.resolve("raw/locations.csv"));
    CliRun none = process();
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.errLines()).containsExactly("error: no locations data: no raw/locations*.csv in file:" + raw
        + " (run 'generate', or copy the raw files there)");
    assertThat(processed).doesNotExist();
  }

  private List<String> dailyRows() {
    return spark.read().parquet(processed.resolve("processed/daily_location").toString())
        .orderBy("location_id", "date").collectAsList().stream().map(Row::toString).toList();
  }

  private List<Path> dataFiles() throws IOException {
    try (Stream<Path> files = Files.walk(processed.resolve("processed"))) {
      return files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".parquet")).toList();
    }
  }
}
