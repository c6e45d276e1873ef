package org.climatehealth.pipeline.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.climatehealth.pipeline.dataset.RawDataset.CLIMATE;
import static org.climatehealth.pipeline.dataset.RawDataset.HEALTH;
import static org.climatehealth.pipeline.dataset.RawDataset.HOSPITAL;
import static org.climatehealth.pipeline.dataset.RawDataset.LOCATIONS;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator through its Java API, on local stores under a temporary directory. */
class GeneratorTest {

  private static final LocalDate START = LocalDate.of(2023, 1, 1);

  @TempDir Path dir;

  private Storage store(String name) {
    return new LocalStorage(StoreUri.local(dir.resolve(name)));
  }

  private static GeneratorOptions options(int locations, int days, long seed, double dirty, boolean daily) {
    return new GeneratorOptions(locations, days, START, seed, dirty, daily, false);
  }

  private GeneratorResult generate(String name, GeneratorOptions options) {
    return new Generator(options).run(store(name));
  }

  private List<String> lines(String store, String key) throws IOException {
    // one character per byte: the lines made not UTF-8 on purpose read back as written
    return Files.readAllLines(dir.resolve(store).resolve(key), StandardCharsets.ISO_8859_1);
  }

  /** Data lines (header dropped) of a single-file dataset. */
  private List<String> rows(String store, RawDataset dataset) throws IOException {
    List<String> lines = lines(store, Generator.fileKey(dataset));
    return lines.subList(1, lines.size());
  }

  private Map<String, byte[]> contents(String store) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    Path root = dir.resolve(store);
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(file).toString(), Files.readAllBytes(file));
      }
    }
    return files;
  }

  // ----- determinism -----

  @Test
  void theSameSeedAndOptionsGiveByteIdenticalFiles() throws IOException {
    generate("a", options(3, 20, 7, 0.2, false));
    generate("b", options(3, 20, 7, 0.2, false));
    generate("c", options(3, 20, 8, 0.2, false));

    Map<String, byte[]> a = contents("a");
    Map<String, byte[]> b = contents("b");
    assertThat(a.keySet()).containsExactly("_generator/manifest.json", "raw/climate_data.csv", "raw/health_data.csv",
        "raw/hospital_data.csv", "raw/locations.csv");
    a.forEach((file, bytes) -> assertThat(b.get(file)).as(file).isEqualTo(bytes));

    // another seed: the same places, other weather
    assertThat(lines("c", "raw/locations.csv")).isEqualTo(lines("a", "raw/locations.csv"));
    List<String> weatherA = rows("a", CLIMATE).stream().map(GeneratorTest::afterKey).toList();
    List<String> weatherC = rows("c", CLIMATE).stream().map(GeneratorTest::afterKey).toList();
    long same = weatherA.stream().filter(new HashSet<>(weatherC)::contains).count();
    assertThat(same).as("climate rows with the same values under another seed").isLessThan(3);
  }

  private static String afterKey(String line) {
    List<String> fields = ContractRules.split(line);
    return String.join(",", fields.subList(2, fields.size()));
  }

  @Test
  void aLocationIsTheSameWhateverTheNumberOfLocationsAndTheCleanDataWhateverTheDirt() throws IOException {
    generate("three", options(3, 30, 11, 0, false));
    generate("five", options(5, 30, 11, 0, false));

    List<String> three = rows("three", HEALTH);
    List<String> fiveOfThree = rows("five", HEALTH).stream()
        .filter(l -> three.stream().anyMatch(t -> t.startsWith(l.substring(0, 18))))
        .filter(l -> Set.of("KA-BLR", "RJ-JPR", "MH-MUM").contains(ContractRules.split(l).get(1)))
        .toList();
    assertThat(fiveOfThree).isEqualTo(three);

    // dirt replaces some rows and adds others, but every row left clean is the row of a clean run
    generate("dirty", options(3, 30, 11, 0.3, false));
    Set<String> clean = new HashSet<>(three);
    List<String> keptClean = rows("dirty", HEALTH).stream().filter(clean::contains).distinct().toList();
    assertThat(keptClean.size()).isBetween((int) (three.size() * 0.6), (int) (three.size() * 0.8));
    assertThat(three).containsSubsequence(keptClean);
  }

  @Test
  void dailyFilesHoldTheSameRowsAsSingleFilesOneDayPerFile() throws IOException {
    LocalDate start = LocalDate.of(2024, 11, 11);
    new Generator(new GeneratorOptions(3, 10, start, 5, 0.1, false, false)).run(store("single"));
    GeneratorResult daily = new Generator(new GeneratorOptions(3, 10, start, 5, 0.1, true, false)).run(store("daily"));

    assertThat(dir.resolve("daily/raw/climate_data_2024-11-11.csv")).exists();
    assertThat(dir.resolve("daily/raw/health_data_2024-11-20.csv")).exists();
    assertThat(dir.resolve("daily/raw/climate_data_2024-11-21.csv")).doesNotExist();
    assertThat(dir.resolve("daily/raw/climate_data.csv")).doesNotExist();
    assertThat(dir.resolve("daily/raw/locations.csv")).exists();
    for (RawDataset dataset : List.of(CLIMATE, HEALTH, HOSPITAL)) {
      List<String> keys = daily.manifest().dataset(dataset).files();
      List<String> concatenated = new ArrayList<>();
      for (String key : keys) {
        assertThat(key).matches(Pattern.quote(dataset.filePrefix()) + "_2024-11-(1[1-9]|20)\\.csv");
        List<String> lines = lines("daily", key);
        assertThat(lines.get(0)).isEqualTo(String.join(",", dataset.columnNames()));
        assertThat(lines).as(key + " has rows").hasSizeGreaterThan(1);
        concatenated.addAll(lines.subList(1, lines.size()));
      }
      assertThat(concatenated).as(dataset.tableName()).isEqualTo(rows("single", dataset));
      if (dataset != HOSPITAL) {
        assertThat(keys).hasSize(10);
      }
    }
    // the clean rows of a daily file are all of its day
    for (String line : lines("daily", "raw/climate_data_2024-11-15.csv").subList(1, 4)) {
      assertThat(line).startsWith("2024-11-15,");
    }
    // hospitals report weekly: no day has every hospital, and a day without reports has no file
    int reportDays = daily.files(HOSPITAL).size();
    assertThat(reportDays).isBetween(1, 10);
  }

  // ----- layout and content -----

  @Test
  void filesHaveTheContractColumnsAndOneRowPerLocationDayAndDisease() throws IOException {
    GeneratorResult result = generate("s", options(3, 20, 42, 0, false));

    assertThat(lines("s", "raw/locations.csv").get(0))
        .isEqualTo("location_id,location_name,state_code,district,latitude,longitude,population");
    assertThat(lines("s", "raw/climate_data.csv").get(0)).isEqualTo(
        "date,location_id,temperature_max_c,temperature_min_c,humidity_pct,rainfall_mm,air_quality_index");
    assertThat(lines("s", "raw/health_data.csv").get(0))
        .isEqualTo("date,location_id,disease,cases,deaths,hospitalizations");
    assertThat(lines("s", "raw/hospital_data.csv").get(0))
        .isEqualTo("report_date,hospital_id,location_id,hospital_name,total_beds,icu_beds,occupied_beds");

    assertThat(rows("s", LOCATIONS)).containsExactly(
        "KA-BLR,Bengaluru,KA,Bengaluru Urban,12.97,77.59,9621551",
        "RJ-JPR,Jaipur,RJ,Jaipur,26.91,75.79,6626178",
        "MH-MUM,Mumbai,MH,Mumbai Suburban,19.08,72.88,9356962");
    List<String> climate = rows("s", CLIMATE);
    assertThat(climate).hasSize(3 * 20);
    assertThat(climate.get(0)).startsWith("2023-01-01,KA-BLR,");
    assertThat(climate.get(59)).startsWith("2023-01-20,MH-MUM,");
    List<String> health = rows("s", HEALTH);
    assertThat(health).hasSize(3 * 20 * 6);
    Map<String, Integer> perDisease = new TreeMap<>();
    Set<String> keys = new HashSet<>();
    for (String line : health) {
      List<String> f = ContractRules.split(line);
      perDisease.merge(f.get(2), 1, Integer::sum);
      assertThat(keys.add(f.get(0) + f.get(1) + f.get(2))).as("one row per key: " + line).isTrue();
    }
    assertThat(perDisease).containsOnlyKeys("dengue", "malaria", "heat_illness", "respiratory", "diarrhoeal", "cholera")
        .allSatisfy((disease, n) -> assertThat(n).isEqualTo(60));
    assertThat(result.manifest().diseases()).containsExactly("dengue", "malaria", "heat_illness", "respiratory",
        "diarrhoeal", "cholera");

    // hospitals: ids after their location, at most one report a week each, some names quoted with a comma
    Map<String, List<LocalDate>> reports = new HashMap<>();
    for (String line : rows("s", HOSPITAL)) {
      List<String> f = ContractRules.split(line);
      assertThat(f).hasSize(7);
      assertThat(f.get(1)).matches("H-" + Pattern.quote(f.get(2)) + "-0[1-4]");
      reports.computeIfAbsent(f.get(1), k -> new ArrayList<>()).add(LocalDate.parse(f.get(0)));
    }
    assertThat(reports).containsKey("H-KA-BLR-01");
    reports.values().forEach(dates -> {
      for (int i = 1; i < dates.size(); i++) {
        assertThat(dates.get(i)).isAfterOrEqualTo(dates.get(i - 1).plusDays(7));
      }
    });
    assertThat(rows("s", HOSPITAL)).anyMatch(l -> l.contains(",\"District Hospital, Bengaluru\","));

    // what the run says it wrote is what is there
    for (RawDataset dataset : RawDataset.values()) {
      WrittenFile file = result.files(dataset).get(0);
      assertThat(Files.size(dir.resolve("s").resolve(file.key()))).isEqualTo(file.bytes());
      assertThat(file.rows()).isEqualTo(rows("s", dataset).size());
    }
    byte[] bytes = Files.readAllBytes(dir.resolve("s/raw/health_data.csv"));
    assertThat(bytes[bytes.length - 1]).isEqualTo((byte) '\n');
    assertThat(new String(bytes, StandardCharsets.UTF_8)).doesNotContain("\r");
  }

  @Test
  void locationsBeyondTheBuiltInDistrictsGetUniqueStateCodedIds() {
    List<Place> places = Places.first(Places.builtInCount() + 300, 42);

    assertThat(places.stream().map(Place::id).distinct().count()).isEqualTo(places.size());
    assertThat(places).allSatisfy(p -> {
      assertThat(p.id()).matches("[A-Z]{2}-[A-Z0-9]{3,6}").startsWith(p.stateCode() + "-");
      assertThat(p.population()).isBetween(200_000L, 12_000_000L);
      assertThat(p.latitude()).isBetween(8.0, 35.0);
      assertThat(p.longitude()).isBetween(68.0, 97.5);
    });
    assertThat(places.get(Places.builtInCount()).id()).endsWith("-D" + String.format("%04d", Places.builtInCount() + 1));
  }

  // ----- plausibility: the signal a model can learn -----

  /** One location-day of the clean data. */
  private record Day(String location, LocalDate date, double tmax, double rain, double aqi, long population,
      Map<String, long[]> health) {}

  private List<Day> days(String store) throws IOException {
    Map<String, Long> population = new HashMap<>();
    for (String line : rows(store, LOCATIONS)) {
      List<String> f = ContractRules.split(line);
      population.put(f.get(0), Long.parseLong(f.get(6)));
    }
    Map<String, Day> byKey = new java.util.LinkedHashMap<>();
    for (String line : rows(store, CLIMATE)) {
      List<String> f = ContractRules.split(line);
      byKey.put(f.get(1) + f.get(0), new Day(f.get(1), LocalDate.parse(f.get(0)), Double.parseDouble(f.get(2)),
          Double.parseDouble(f.get(5)), Double.parseDouble(f.get(6)), population.get(f.get(1)), new HashMap<>()));
    }
    for (String line : rows(store, HEALTH)) {
      List<String> f = ContractRules.split(line);
      byKey.get(f.get(1) + f.get(0)).health().put(f.get(2),
          new long[] {Long.parseLong(f.get(3)), Long.parseLong(f.get(4)), Long.parseLong(f.get(5))});
    }
    return List.copyOf(byKey.values());
  }

  @Test
  void theWeatherHasSeasonsAndTheDiseasesFollowIt() throws IOException {
    generate("p", options(6, 365, 42, 0, false));
    List<Day> days = days("p");
    Map<String, Day> byKey = new HashMap<>();
    days.forEach(d -> byKey.put(d.location() + d.date(), d));

    // monsoon: June-September far wetter than January-April
    double monsoon = days.stream().filter(d -> d.date().getMonthValue() >= 6 && d.date().getMonthValue() <= 9)
        .mapToDouble(Day::rain).average().orElseThrow();
    double dry = days.stream().filter(d -> d.date().getMonthValue() <= 4).mapToDouble(Day::rain).average().orElseThrow();
    assertThat(monsoon).isGreaterThan(4 * dry);

    // pre-monsoon heat: days above 40 °C come in April-June, and heat illness comes with them
    List<Day> hot = days.stream().filter(d -> d.tmax() > 40).toList();
    assertThat(hot).hasSizeGreaterThan(20);
    assertThat(hot.stream().filter(d -> d.date().getMonthValue() >= 3 && d.date().getMonthValue() <= 6).count())
        .isGreaterThan(hot.size() * 9 / 10);
    long heatCases = 0;
    long heatCasesHot = 0;
    for (Day d : days) {
      long n = d.health().get("heat_illness")[0];
      heatCases += n;
      Day before = byKey.get(d.location() + d.date().minusDays(1));
      if (d.tmax() > 40 || before != null && before.tmax() > 40) {
        heatCasesHot += n;
      }
    }
    assertThat(heatCases).isPositive();
    assertThat((double) heatCasesHot / heatCases).isGreaterThan(0.8);

    // dengue follows the rain of 1-3 weeks before: correlated with it, and an order of magnitude
    // more common after the wettest fortnights than after the driest
    List<double[]> dengue = new ArrayList<>();
    for (Day d : days) {
      double rain = 0;
      boolean complete = true;
      for (int lag = 7; lag <= 21; lag++) {
        Day earlier = byKey.get(d.location() + d.date().minusDays(lag));
        complete &= earlier != null;
        rain += earlier == null ? 0 : earlier.rain();
      }
      if (complete) {
        dengue.add(new double[] {rain / 15, d.health().get("dengue")[0] * 1e5 / d.population()});
      }
    }
    assertThat(correlation(dengue)).isGreaterThan(0.3);
    dengue.sort((a, b) -> Double.compare(a[0], b[0]));
    int third = dengue.size() / 3;
    double afterDry = dengue.subList(0, third).stream().mapToDouble(x -> x[1]).average().orElseThrow();
    double afterWet = dengue.subList(2 * third, dengue.size()).stream().mapToDouble(x -> x[1]).average().orElseThrow();
    assertThat(afterWet).isGreaterThan(5 * afterDry);

    // respiratory illness is commoner on polluted days
    double clean = days.stream().filter(d -> d.aqi() < 100)
        .mapToDouble(d -> d.health().get("respiratory")[0] * 1e5 / d.population()).average().orElseThrow();
    double polluted = days.stream().filter(d -> d.aqi() > 200)
        .mapToDouble(d -> d.health().get("respiratory")[0] * 1e5 / d.population()).average().orElseThrow();
    assertThat(polluted).isGreaterThan(1.5 * clean);

    // cholera, the disease outside the default configuration: rare but present
    long cholera = days.stream().mapToLong(d -> d.health().get("cholera")[0]).sum();
    assertThat(cholera).isPositive().isLessThan(days.size());
  }

  private static double correlation(List<double[]> pairs) {
    double mx = pairs.stream().mapToDouble(p -> p[0]).average().orElseThrow();
    double my = pairs.stream().mapToDouble(p -> p[1]).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    double syy = 0;
    for (double[] p : pairs) {
      sxy += (p[0] - mx) * (p[1] - my);
      sxx += (p[0] - mx) * (p[0] - mx);
      syy += (p[1] - my) * (p[1] - my);
    }
    return sxy / Math.sqrt(sxx * syy);
  }

  @Test
  void countsAndCapacitiesAreConsistent() throws IOException {
    generate("c", options(8, 200, 3, 0, false));

    for (String line : rows("c", HEALTH)) {
      long[] n = Arrays.stream(ContractRules.split(line).subList(3, 6).toArray(String[]::new))
          .mapToLong(Long::parseLong).toArray();
      assertThat(n[1]).as("deaths <= cases: " + line).isLessThanOrEqualTo(n[0]);
      assertThat(n[2]).as("hospitalizations <= cases: " + line).isLessThanOrEqualTo(n[0]);
    }
    int strained = 0;
    List<String> hospital = rows("c", HOSPITAL);
    for (String line : hospital) {
      List<String> f = ContractRules.split(line);
      long total = Long.parseLong(f.get(4));
      long icu = Long.parseLong(f.get(5));
      long occupied = Long.parseLong(f.get(6));
      assertThat(occupied).as("occupied <= total: " + line).isBetween(0L, total);
      assertThat(icu).as("icu <= total: " + line).isBetween(0L, total);
      strained += occupied >= 0.9 * total ? 1 : 0;
    }
    assertThat(strained).as("some reports near capacity").isPositive().isLessThan(hospital.size() / 5);
    for (String line : rows("c", CLIMATE)) {
      List<String> f = ContractRules.split(line);
      assertThat(Double.parseDouble(f.get(3))).as(line).isLessThanOrEqualTo(Double.parseDouble(f.get(2)));
      assertThat(Double.parseDouble(f.get(4))).as(line).isBetween(0.0, 100.0);
      assertThat(Double.parseDouble(f.get(5))).as(line).isGreaterThanOrEqualTo(0.0);
    }
  }

  // ----- dirt -----

  @Test
  void withoutDirtEveryRowIsValidAndNothingIsInjected() throws IOException {
    GeneratorResult result = generate("clean", options(4, 30, 42, 0, false));
    GeneratorManifest manifest = store("clean").readJson(GeneratorManifest.KEY, GeneratorManifest.class);

    assertThat(manifest).isEqualTo(result.manifest());
    assertThat(manifest.seed()).isEqualTo(42);
    assertThat(manifest.startDate()).isEqualTo("2023-01-01");
    assertThat(manifest.endDate()).isEqualTo("2023-01-30");
    for (RawDataset dataset : RawDataset.values()) {
      GeneratorManifest.DatasetManifest entry = manifest.dataset(dataset);
      assertThat(entry.files()).containsExactly(Generator.fileKey(dataset));
      assertThat(entry.expected().rowsQuarantined()).isZero();
      assertThat(entry.expected().duplicatesCollapsed()).isZero();
      assertThat(entry.expected().rowsValid()).isEqualTo(entry.rowsWritten()).isEqualTo(rows("clean", dataset).size());
      assertThat(entry.expected().reasons()).isEmpty();
      assertThat(entry.variants()).isEmpty();
      assertThat(entry.defects()).isEmpty();
    }
    assertThat(manifest.dataset(CLIMATE).rowsWritten()).isEqualTo(4 * 30);
    assertThat(manifest.dataset(HEALTH).rowsWritten()).isEqualTo(4 * 30 * 6);
    assertThat(manifest.dataset(LOCATIONS).rowsWritten()).isEqualTo(4);
  }

  @Test
  void dirtCoversEveryDefectClassAndTheManifestTellsExactlyWhatProcessingMustMakeOfIt() throws IOException {
    generate("dirty", options(6, 120, 42, 0.2, false));
    GeneratorManifest manifest = store("dirty").readJson(GeneratorManifest.KEY, GeneratorManifest.class);

    // every class appears in every dataset it applies to
    for (RawDataset dataset : List.of(CLIMATE, HEALTH, HOSPITAL)) {
      GeneratorManifest.DatasetManifest entry = manifest.dataset(dataset);
      assertThat(entry.expected().reasons()).as(dataset.tableName()).containsOnlyKeys(ReasonCode.values());
      assertThat(entry.expected().duplicatesCollapsed()).as(dataset.tableName()).isPositive();
      assertThat(entry.variants()).as(dataset.tableName()).containsKeys("alternative_date_format",
          "missing_optional_value", "spaced_lower_case_id", dataset == HOSPITAL ? "quoted_comma" : "quoted_field");
      assertThat(entry.defects()).as(dataset.tableName()).containsKeys("extra_field", "missing_last_field",
          "not_utf8", "unclosed_quote", "quoted_line_break", "missing_required_value", "impossible_date", "junk_date", "non_numeric", "sentinel_-999",
          "unknown_location", "exact_duplicate", "duplicate_after_normalisation", "conflicting_duplicate");
    }
    assertThat(manifest.dataset(HEALTH).variants()).containsKeys("spaced_upper_case_disease", "count_with_zero_decimal");
    assertThat(manifest.dataset(HOSPITAL).variants()).containsKey("count_with_zero_decimal");
    assertThat(manifest.dataset(CLIMATE).defects()).containsKeys("humidity_above_100", "min_above_max", "negative_rainfall");
    assertThat(manifest.dataset(HEALTH).defects()).containsKeys("deaths_above_cases", "negative_count", "fractional_count");
    assertThat(manifest.dataset(HOSPITAL).defects()).containsKeys("occupied_above_total", "negative_count",
        "fractional_count");
    // about a fifth of the rows are dirty
    long cleanHealthRows = 6 * 120 * 6;
    long changed = manifest.dataset(HEALTH).variants().values().stream().mapToLong(Long::longValue).sum()
        + manifest.dataset(HEALTH).expected().rowsQuarantined() + manifest.dataset(HEALTH).expected().duplicatesCollapsed();
    assertThat((double) changed / cleanHealthRows).isBetween(0.15, 0.3);

    // the accounting is right: identities, and an independent reading of the contract's rules
    // applied to the lines actually written gives exactly the manifest's expectations
    ContractRules.Outcome locations = ContractRules.check(LOCATIONS, rows("dirty", LOCATIONS), null);
    assertThat(locations.validIds()).hasSize(6).doesNotContain("ZZ-BAD-06");
    for (RawDataset dataset : RawDataset.values()) {
      GeneratorManifest.DatasetManifest entry = manifest.dataset(dataset);
      GeneratorManifest.Expected expected = entry.expected();
      assertThat(expected.rowsRead()).isEqualTo(entry.rowsWritten())
          .isEqualTo(expected.rowsValid() + expected.rowsQuarantined() + expected.duplicatesCollapsed());
      assertThat(expected.reasons().values().stream().mapToLong(Long::longValue).sum())
          .isEqualTo(expected.rowsQuarantined());
      assertThat(Files.size(dir.resolve("dirty").resolve(Generator.fileKey(dataset)))).isEqualTo(entry.bytesWritten());

      ContractRules.Outcome outcome = ContractRules.check(dataset, rows("dirty", dataset),
          dataset == LOCATIONS ? null : locations.validIds());
      assertThat(outcome.read()).as(dataset.tableName()).isEqualTo(expected.rowsRead());
      assertThat(outcome.valid()).as(dataset.tableName()).isEqualTo(expected.rowsValid());
      assertThat(outcome.quarantined()).as(dataset.tableName()).isEqualTo(expected.rowsQuarantined());
      assertThat(outcome.collapsed()).as(dataset.tableName()).isEqualTo(expected.duplicatesCollapsed());
      assertThat(outcome.reasons()).as(dataset.tableName()).isEqualTo(expected.reasons());
    }
    // locations themselves are never made dirty: the bad rows are extra ones nothing refers to
    GeneratorManifest.Expected locationsExpected = manifest.dataset(LOCATIONS).expected();
    assertThat(locationsExpected.rowsValid()).isEqualTo(6);
    assertThat(locationsExpected.rowsQuarantined()).isEqualTo(9);
    assertThat(manifest.dataset(LOCATIONS).defects()).containsEntry("not_utf8", 1L).containsEntry("unclosed_quote", 1L);
    assertThat(locationsExpected.duplicatesCollapsed()).isEqualTo(1);
  }

  @Test
  void injectedLinesLookAsTheManifestSays() throws IOException {
    generate("dirty", options(6, 120, 42, 0.2, false));
    GeneratorManifest manifest = store("dirty").readJson(GeneratorManifest.KEY, GeneratorManifest.class);

    // every example is where the manifest says, word for word
    for (RawDataset dataset : RawDataset.values()) {
      manifest.dataset(dataset).examples().forEach((form, examples) -> examples.forEach(example -> {
        try {
          assertThat(lines("dirty", example.file()).get((int) example.line() - 1)).as(form).isEqualTo(example.text());
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }));
    }
    Map<String, List<GeneratorManifest.Example>> climate = manifest.dataset(CLIMATE).examples();
    Map<String, List<GeneratorManifest.Example>> hospital = manifest.dataset(HOSPITAL).examples();
    Map<String, List<GeneratorManifest.Example>> health = manifest.dataset(HEALTH).examples();

    // malformed rows: one field too many, one too few (the last field and its comma gone)
    assertThat(fields(climate, "extra_field")).allSatisfy(f -> assertThat(f).hasSize(8));
    assertThat(fields(climate, "missing_last_field")).allSatisfy(f -> assertThat(f).hasSize(6));
    assertThat(fields(hospital, "missing_last_field")).allSatisfy(f -> assertThat(f).hasSize(6));
    assertThat(text(climate, "missing_last_field")).allSatisfy(t -> assertThat(t).doesNotEndWith(","));

    // malformed lines: not UTF-8 (a Latin-1 byte in a name or after a number), a quote that is
    // not closed (the commas where they were), a quoted line break (two lines, one quote each)
    assertThat(text(hospital, "not_utf8")).allSatisfy(t -> assertThat(t).contains(" Sant\u00e9"));
    assertThat(text(climate, "not_utf8")).allSatisfy(t -> assertThat(t).containsPattern("^[^,]*,[^,]*,[0-9.-]+\u00b0,"));
    for (RawDataset dataset : RawDataset.values()) {
      Map<String, List<GeneratorManifest.Example>> examples = manifest.dataset(dataset).examples();
      assertThat(text(examples, "not_utf8")).allSatisfy(t -> assertThat(ContractRules.utf8(t)).as(t).isNull());
      assertThat(text(examples, "unclosed_quote")).allSatisfy(t -> {
        long quotes = t.chars().filter(c -> c == '"').count();
        assertThat(quotes % 2).isOne();
        if (quotes == 1) {
          assertThat(t.split(",", -1)).hasSize(dataset.columns().size());
        }
      });
    }
    for (RawDataset dataset : List.of(CLIMATE, HEALTH, HOSPITAL)) {
      List<GeneratorManifest.Example> halves = manifest.dataset(dataset).examples().get("quoted_line_break");
      assertThat(halves).hasSizeGreaterThanOrEqualTo(2);
      assertThat(halves.get(1).line()).isEqualTo(halves.get(0).line() + 1);
      assertThat(halves.get(0).text()).containsPattern(",\"[^\"]+$");
      assertThat(halves.get(1).text()).containsPattern("^[^\"]+\",");
    }

    // a quoted comma: eight pieces when split naively, seven fields when read as CSV
    assertThat(text(hospital, "quoted_comma")).allSatisfy(t -> {
      assertThat(t).containsPattern(",\"[^\"]*, Annexe\",");
      assertThat(t.split(",", -1).length).isGreaterThan(7);
      assertThat(ContractRules.split(t)).hasSize(7);
    });
    assertThat(text(climate, "quoted_field")).allSatisfy(t -> assertThat(t).containsPattern("^\"|,\""));

    // ids with spaces and lower case; dates in the other accepted formats; missing spellings
    assertThat(fields(climate, "spaced_lower_case_id")).allSatisfy(f -> assertThat(f.get(1)).matches(" [a-z]{2}-[a-z]{3} "));
    assertThat(fields(health, "spaced_upper_case_disease")).allSatisfy(f -> assertThat(f.get(2)).matches(" [A-Z_]+ "));
    assertThat(fields(climate, "alternative_date_format")).extracting(f -> f.get(0))
        .allSatisfy(d -> assertThat(d).matches("\\d\\d/\\d\\d/\\d{4}|\\d{4}/\\d\\d/\\d\\d|\\d\\d-\\d\\d-\\d{4}"));
    assertThat(fields(health, "missing_optional_value")).allSatisfy(f ->
        assertThat(f.subList(4, 6)).containsAnyOf("", "NA", "N/A", "null", "-"));

    // bad values
    assertThat(fields(climate, "impossible_date")).extracting(f -> f.get(0))
        .allSatisfy(d -> assertThat(d).matches("\\d{4}-02-30|\\d{4}-13-\\d\\d|31/04/\\d{4}|30-02-\\d{4}"));
    assertThat(fields(climate, "junk_date")).extracting(f -> f.get(0)).allSatisfy(d ->
        assertThat(d).isIn("yesterday", "TBD", "week 12"));
    assertThat(text(climate, "sentinel_-999")).allSatisfy(t -> assertThat(t).contains(",-999"));
    assertThat(fields(health, "fractional_count")).allSatisfy(f -> assertThat(f.subList(3, 6)).anyMatch(v -> v.endsWith(".5")));
    assertThat(fields(climate, "unknown_location")).extracting(f -> f.get(1))
        .allSatisfy(id -> assertThat(id).startsWith("ZZ-NOWHERE-")).doesNotHaveDuplicates();

    // duplicates: the same text twice; the same after normalisation; one value apart
    for (GeneratorManifest.Example e : climate.get("exact_duplicate")) {
      assertThat(lines("dirty", e.file()).get((int) e.line() - 2)).isEqualTo(e.text());
    }
    for (GeneratorManifest.Example e : climate.get("duplicate_after_normalisation")) {
      String original = lines("dirty", e.file()).get((int) e.line() - 2);
      assertThat(e.text()).isNotEqualTo(original);
      assertThat(afterKey(e.text())).isEqualTo(afterKey(original));
    }
    List<GeneratorManifest.Example> conflict = health.get("conflicting_duplicate");
    List<String> first = ContractRules.split(conflict.get(0).text());
    List<String> second = ContractRules.split(conflict.get(1).text());
    assertThat(conflict.get(1).line()).isEqualTo(conflict.get(0).line() + 1);
    assertThat(second.subList(0, 3)).isEqualTo(first.subList(0, 3));
    assertThat(second.get(3)).isNotEqualTo(first.get(3));
  }

  private static List<String> text(Map<String, List<GeneratorManifest.Example>> examples, String form) {
    assertThat(examples).containsKey(form);
    return examples.get(form).stream().map(GeneratorManifest.Example::text).toList();
  }

  private static List<List<String>> fields(Map<String, List<GeneratorManifest.Example>> examples, String form) {
    return text(examples, form).stream().map(ContractRules::split).toList();
  }
}
