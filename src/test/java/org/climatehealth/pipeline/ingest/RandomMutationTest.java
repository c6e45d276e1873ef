package org.climatehealth.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property: whatever is done to valid raw rows, {@code process} accounts for every line it was
 * given and does not crash. For each seed, valid rows of all four datasets are generated and about
 * a third of them mutated with a seeded {@link Random} (fields dropped, repeated, garbled, blanked,
 * set to missing-value tokens, huge numbers or bad dates; quotes, delimiters, line breaks and
 * Latin-1 bytes inserted; ids changed; rows repeated, truncated, extended); then one {@code
 * process} run over them must exit 0, and for every dataset: rows_read equals the rows in the
 * files, counted here independently (every line but the header, blank lines and repeats of the
 * header), {@code rows_read = rows_valid + rows_quarantined + duplicates_collapsed}, the reason
 * counts add up to the quarantined rows, and the quarantine holds exactly that many rows. A
 * failing seed is named in the assertion message: rerun it with {@code -Dmutation.seeds=SEED}.
 */
class RandomMutationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] DATASETS = {"locations", "climate", "health", "hospital"};
  private static final Map<String, String> FILES = Map.of("locations", "locations.csv", "climate", "climate_data.csv",
      "health", "health_data.csv", "hospital", "hospital_data.csv");
  private static final Map<String, String> HEADERS = Map.of(
      "locations", "location_id,location_name,state_code,district,latitude,longitude,population",
      "climate", "date,location_id,temperature_max_c,temperature_min_c,humidity_pct,rainfall_mm,air_quality_index",
      "health", "date,location_id,disease,cases,deaths,hospitalizations",
      "hospital", "report_date,hospital_id,location_id,hospital_name,total_beds,icu_beds,occupied_beds");
  private static final String[] DISEASES = {"dengue", "malaria", "heat_illness"};
  private static final String[] TOKENS = {"", "NA", "N/A", "null", "-", " na ", "NULL"};
  private static final String[] HUGE = {"1e400", "99999999999999999999", "-1e308", "1.7976931348623157E308", "1e15", "NaN"};
  private static final String[] BAD_DATES = {"2024-02-30", "2024-13-01", "31/04/2024", "2024.01.01", "+302024-01-01",
      "Jan 1 2024", "2024-1-1", "01/13/2024"};

  @TempDir Path dir;

  @BeforeAll
  static void spark() {
    TestSpark.session();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void everyLineIsAccountedForWhateverTheMutations(long seed) throws IOException {
    String only = System.getProperty("mutation.seeds");
    if (only != null && Arrays.stream(only.split(",")).noneMatch(s -> Long.parseLong(s.trim()) == seed)) {
      return;
    }
    Random random = new Random(seed);
    Path raw = dir.resolve("raw-bucket/raw");
    Path processed = dir.resolve("processed-bucket");
    Files.createDirectories(raw);
    Map<String, Long> expectedRows = new LinkedHashMap<>();
    for (String dataset : DATASETS) {
      List<String> rows = validRows(dataset, random);
      byte[] file = mutate(HEADERS.get(dataset), rows, random);
      Files.write(raw.resolve(FILES.get(dataset)), file);
      expectedRows.put(dataset, countRows(file, HEADERS.get(dataset)));
    }

    String runId = "mutation-" + seed;
    CliRun run = CliRun.of("process", "--run-id", runId, "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw-bucket"),
        "--conf", "pipeline.stores.processed=file:" + processed, "--conf", "pipeline.stores.models=file:" + dir.resolve("models"));
    String replay = "seed " + seed + " (replay: -Dmutation.seeds=" + seed + ")";
    assertThat(run.exitCode()).as(replay + "\n" + run.err()).isZero();

    JsonNode datasets = JSON.readTree(processed.resolve("_runs/process/" + runId + ".json").toFile())
        .get("details").get("datasets");
    for (String dataset : DATASETS) {
      JsonNode node = datasets.get(dataset);
      String what = replay + ", " + dataset;
      long read = node.get("rows_read").asLong();
      long valid = node.get("rows_valid").asLong();
      long quarantined = node.get("rows_quarantined").asLong();
      long collapsed = node.get("duplicates_collapsed").asLong();
      long reasons = 0;
      for (JsonNode count : node.get("reasons")) {
        reasons += count.asLong();
      }
      assertThat(read).as(what + ": rows_read against the rows in the file").isEqualTo(expectedRows.get(dataset));
      assertThat(valid + quarantined + collapsed).as(what + ": rows_valid + rows_quarantined + duplicates_collapsed")
          .isEqualTo(read);
      assertThat(reasons).as(what + ": reason counts").isEqualTo(quarantined);
      assertThat(quarantineRows(processed.resolve("quarantine/" + dataset + "/run_id=" + runId)))
          .as(what + ": rows in the quarantine").isEqualTo(quarantined);
      // the mutations reach every dataset: something is quarantined and something stays valid
      assertThat(quarantined).as(what + ": quarantined").isPositive();
      assertThat(valid).as(what + ": valid").isPositive();
    }
  }

  /** Valid rows: 20 locations, and climate, health and hospital rows over 15 days for them. */
  private static List<String> validRows(String dataset, Random random) {
    List<String> rows = new ArrayList<>();
    LocalDate start = LocalDate.of(2024, 3, 1);
    for (int l = 0; l < 20; l++) {
      String id = "L-" + (char) ('A' + l);
      switch (dataset) {
        case "locations" -> rows.add(id + ",Place " + l + ",ST,District " + l + "," + (10 + l) + "," + (70 + l) + ","
            + (100_000 + 1000 * l));
        case "climate" -> {
          for (int d = 0; d < 15; d++) {
            int tmax = 25 + random.nextInt(15);
            rows.add(date(start.plusDays(d), random) + "," + id + "," + tmax + "," + (tmax - 5 - random.nextInt(8)) + ","
                + random.nextInt(101) + "," + random.nextInt(50) + "," + (20 + random.nextInt(200)));
          }
        }
        case "health" -> {
          for (int d = 0; d < 15; d++) {
            int cases = random.nextInt(40);
            rows.add(date(start.plusDays(d), random) + "," + id + "," + DISEASES[d % DISEASES.length] + "," + cases + ","
                + random.nextInt(cases / 10 + 1) + "," + random.nextInt(cases + 1));
          }
        }
        default -> {
          for (int w = 0; w < 5; w++) {
            int total = 50 + random.nextInt(200);
            rows.add(date(start.plusDays(3L * w), random) + ",H-" + l + "," + id + ",Hospital " + l + "," + total + ","
                + random.nextInt(total / 5 + 1) + "," + random.nextInt(total + 1));
          }
        }
      }
    }
    return rows;
  }

  private static String date(LocalDate date, Random random) {
    String[] formats = {"yyyy-MM-dd", "dd/MM/yyyy", "yyyy/MM/dd", "dd-MM-yyyy"};
    return date.format(DateTimeFormatter.ofPattern(formats[random.nextInt(formats.length)]));
  }

  /** The file: the header, then each row, about a third of them mutated (some several times). */
  private static byte[] mutate(String header, List<String> rows, Random random) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((header + "\n").getBytes(StandardCharsets.UTF_8));
    for (String row : rows) {
      List<byte[]> lines = new ArrayList<>();
      String text = row;
      byte[] bytes = null;
      while (random.nextInt(3) == 0) {
        List<String> fields = new ArrayList<>(Arrays.asList(text.split(",", -1)));
        int i = random.nextInt(fields.size());
        switch (random.nextInt(16)) {
          case 0 -> fields.remove(i);                                              // drop a field
          case 1 -> fields.add(i, fields.get(i));                                  // repeat a field
          case 2 -> fields.set(i, garble(fields.get(i), random));                  // garble a field
          case 3 -> fields.set(i, TOKENS[random.nextInt(TOKENS.length)]);          // blank / missing token
          case 4 -> fields.set(i, HUGE[random.nextInt(HUGE.length)]);              // huge or odd numbers
          case 5 -> fields.set(0, BAD_DATES[random.nextInt(BAD_DATES.length)]);    // a bad date (or id)
          case 6 -> fields.set(1, random.nextBoolean() ? " " + fields.get(1).toLowerCase() + " " : "ZZ-" + random.nextInt(9));
          case 7 -> fields.set(i, "\"" + fields.get(i) + "\"");                    // quote a field
          case 8 -> fields.set(i, fields.get(i) + "\"");                           // a stray quote
          case 9 -> fields.set(i, "\"" + fields.get(i) + ", more\"");              // a quoted delimiter
          case 10 -> fields.set(i, fields.get(i) + ",");                           // an extra delimiter
          case 11 -> fields.add("extra");                                          // an extra field
          case 12 -> fields.set(i, "\"" + fields.get(i) + "\nnext line\"");        // a quoted line break
          case 13 -> {                                                             // a row repeated
            lines.add(String.join(",", fields).getBytes(StandardCharsets.UTF_8));
          }
          case 14 -> fields.set(i, fields.get(i) + " ");                           // trailing space
          default -> {                                                             // a truncated line
            String joined = String.join(",", fields);
            fields = new ArrayList<>(List.of(joined.substring(0, random.nextInt(joined.length() + 1))));
          }
        }
        text = String.join(",", fields);
        if (random.nextInt(40) == 0) {                                             // a Latin-1 byte
          bytes = (text + "\u00e9").getBytes(StandardCharsets.ISO_8859_1);
        }
      }
      lines.add(bytes != null ? bytes : text.getBytes(StandardCharsets.UTF_8));
      for (byte[] line : lines) {
        out.write(line);
        out.write('\n');
      }
    }
    return out.toByteArray();
  }

  private static String garble(String value, Random random) {
    String alphabet = "abcXYZ019.-+e/ %#";
    StringBuilder garbled = new StringBuilder(value);
    for (int n = 1 + random.nextInt(3); n > 0; n--) {
      int at = random.nextInt(garbled.length() + 1);
      garbled.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return garbled.toString();
  }

  /**
   * The rows of a file as the contract counts them, worked out here without Spark: every line
   * ({@code \n}, {@code \r\n} or {@code \r} ended) after the header, except empty lines, lines of
   * spaces and lines that repeat the header.
   */
  static long countRows(byte[] file, String header) {
    String text = new String(file, StandardCharsets.ISO_8859_1);   // byte for byte: only ASCII is compared
    String[] lines = text.split("\r\n|\n|\r", -1);
    long rows = 0;
    for (int i = 1; i < lines.length; i++) {
      if (!lines[i].equals(header) && !lines[i].replace(" ", "").isEmpty()) {
        rows++;
      }
    }
    return rows;
  }

  private static long quarantineRows(Path folder) throws IOException {
    if (!Files.isDirectory(folder)) {
      return 0;
    }
    long rows = 0;
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
        rows += Files.readAllLines(file, StandardCharsets.ISO_8859_1).stream().filter(l -> !l.isBlank()).count();
      }
    }
    return rows;
  }
}
