package org.climatehealth.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs {@code process} through the command line on every case of the malformed-input corpus
 * ({@code src/test/resources/malformed/}, described in its README) and checks the outcome its
 * {@code expected} file states, written by hand: for exit 2, one clear first line on stderr naming
 * the file and the problem and nothing written to the processed store; for exit 0, each dataset's
 * rows read, valid, collapsed and quarantined per reason in the run report, the same rows in the
 * quarantine with their reason, and {@code rows_read = rows_valid + rows_quarantined +
 * duplicates_collapsed}.
 */
class MalformedCorpusTest {
  private static final List<String> DATASETS = List.of("locations", "climate", "health", "hospital");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path work;
  private static ExecutorService pool;

  @BeforeAll
  static void setUp() throws IOException {
    TestSpark.session();
    work = Files.createTempDirectory("malformed-corpus");
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void tearDown() throws IOException {
    pool.shutdownNow();
    deleteTree(work);
  }

  /** What a case's {@code expected} file says. */
  record Expected(int exit, List<String> errors, Map<String, Counts> datasets, Map<String, String> unknownColumns,
      Map<String, Integer> unknownColumnCounts, List<String> generate, List<String> remove) {}

  /** One dataset's expected accounting. */
  record Counts(long read, long valid, long collapsed, Map<String, Long> reasons) {
    long quarantined() {
      return reasons.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  static Path corpus() {
    try {
      return Path.of(MalformedCorpusTest.class.getResource("/malformed").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static List<Path> cases() throws IOException {
    // -Dmalformed.cases=REGEX runs only the matching cases (when working on some)
    String only = System.getProperty("malformed.cases", ".*");
    try (Stream<Path> entries = Files.list(corpus())) {
      return entries.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("_"))
          .filter(p -> p.getFileName().toString().matches(only)).sorted().toList();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyCase() throws IOException {
    List<Path> cases = cases();
    if (System.getProperty("malformed.cases", ".*").equals(".*")) {
      assertThat(cases).as("cases in the corpus").hasSizeGreaterThanOrEqualTo(50);
    }
    // each case has stores of its own, so two run at a time (tiny jobs leave the cores half idle);
    // the checks follow in order, each case waiting for its own run
    Map<Path, Future<Ran>> runs = new LinkedHashMap<>();
    cases.forEach(c -> runs.put(c, pool.submit(() -> runCase(c))));
    return cases.stream().map(c -> DynamicTest.dynamicTest(c.getFileName().toString(), () -> check(runs.get(c).get())));
  }

  /** A case after its run: what it expected, where it ran, what the command did. */
  private record Ran(Path caseDir, Expected expected, Path dir, Path processed, Map<String, Path> rawFiles, String runId,
      CliRun run) {}

  private static Ran runCase(Path caseDir) throws IOException {
    String name = caseDir.getFileName().toString();
    Expected expected = parse(caseDir.resolve("expected"));
    Path dir = work.resolve(name);
    Path raw = dir.resolve("raw-bucket");
    Path processed = dir.resolve("processed-bucket");
    Map<String, Path> rawFiles = stage(caseDir, expected, raw.resolve("raw"));
    String runId = "corpus-" + name;
    CliRun run = CliRun.of("process", "--run-id", runId, "--conf", "pipeline.stores.raw=file:" + raw,
        "--conf", "pipeline.stores.processed=file:" + processed, "--conf", "pipeline.stores.models=file:" + dir.resolve("models"));
    return new Ran(caseDir, expected, dir, processed, rawFiles, runId, run);
  }

  private void check(Ran ran) throws IOException {
    String name = ran.caseDir().getFileName().toString();
    Expected expected = ran.expected();
    Path dir = ran.dir();
    Path processed = ran.processed();
    Map<String, Path> rawFiles = ran.rawFiles();
    String runId = ran.runId();
    CliRun run = ran.run();
    String context = name + "\nstdout:\n" + run.out() + "\nstderr:\n" + run.err();
    assertThat(run.exitCode()).as(context).isEqualTo(expected.exit());
    if (expected.exit() == 2) {
      String first = run.errLines().isEmpty() ? "" : run.errLines().get(0);
      assertThat(first).as(context).startsWith("error: ");
      assertThat(first).as(context).doesNotContainPattern("^error: [\\w.$]*(Exception|Error)\\b");
      for (String part : expected.errors()) {
        assertThat(first).as(context).contains(part);
      }
      assertThat(run.err()).as("no stack trace without --verbose: " + context).doesNotContain("\tat ");
      // nothing written: no table, quarantine, staging or lease; a failed run's report is all there may be
      assertThat(filesUnder(processed).stream().filter(k -> !k.startsWith("_runs/")).toList()).as(context).isEmpty();
    } else {
      JsonNode report = JSON.readTree(processed.resolve("_runs/process/" + runId + ".json").toFile());
      assertThat(report.get("status").asText()).as(context).isEqualTo("success");
      JsonNode datasets = report.get("details").get("datasets");
      for (String dataset : DATASETS) {
        Counts counts = expected.datasets().getOrDefault(dataset, new Counts(2, 2, 0, Map.of()));
        checkDataset(name + " " + dataset, datasets.get(dataset), counts, processed, dataset, runId, rawFiles);
        if (expected.unknownColumns().containsKey(dataset)) {
          List<String> unknown = new ArrayList<>();
          datasets.get(dataset).get("unknown_columns").forEach(n -> unknown.add(n.asText()));
          assertThat(String.join(",", unknown)).as(name + " " + dataset + " unknown columns")
              .isEqualTo(expected.unknownColumns().get(dataset));
        }
        if (expected.unknownColumnCounts().containsKey(dataset)) {
          assertThat(datasets.get(dataset).get("unknown_columns").size()).as(name + " " + dataset + " unknown columns")
              .isEqualTo(expected.unknownColumnCounts().get(dataset));
        }
      }
    }
    deleteTree(dir);
  }

  private static void checkDataset(String what, JsonNode node, Counts expected, Path processed, String dataset,
      String runId, Map<String, Path> rawFiles) throws IOException {
    long read = node.get("rows_read").asLong();
    long valid = node.get("rows_valid").asLong();
    long quarantined = node.get("rows_quarantined").asLong();
    long collapsed = node.get("duplicates_collapsed").asLong();
    Map<String, Long> reasons = new TreeMap<>();
    node.get("reasons").fields().forEachRemaining(e -> reasons.put(e.getKey(), e.getValue().asLong()));

    assertThat(read).as(what + " rows_read").isEqualTo(expected.read());
    assertThat(valid).as(what + " rows_valid").isEqualTo(expected.valid());
    assertThat(collapsed).as(what + " duplicates_collapsed").isEqualTo(expected.collapsed());
    assertThat(reasons).as(what + " reasons").isEqualTo(new TreeMap<>(expected.reasons()));
    assertThat(quarantined).as(what + " rows_quarantined").isEqualTo(expected.quarantined());
    assertThat(read).as(what + ": rows_read = rows_valid + rows_quarantined + duplicates_collapsed")
        .isEqualTo(valid + quarantined + collapsed);
    assertThat(node.get("identity_holds").asBoolean()).as(what + " identity_holds").isTrue();

    // the quarantine holds exactly those rows, each with its reason, detail and source file
    Path folder = processed.resolve("quarantine/" + dataset + "/run_id=" + runId);
    Map<String, Long> inQuarantine = new TreeMap<>();
    if (Files.isDirectory(folder)) {
      try (Stream<Path> files = Files.list(folder)) {
        for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
          for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
            if (line.isBlank()) {
              continue;
            }
            JsonNode row = JSON.readTree(line);
            inQuarantine.merge(row.get("_reason").asText(), 1L, Long::sum);
            assertThat(row.get("_detail").asText()).as(what + " quarantine detail: " + line).isNotBlank();
            String source = row.get("_source_file").asText();
            assertThat(rawFiles.keySet().stream().anyMatch(f -> source.endsWith("/raw/" + f)))
                .as(what + " quarantine source " + source).isTrue();
          }
        }
      }
    }
    assertThat(inQuarantine).as(what + " rows in quarantine/" + dataset + "/run_id=" + runId)
        .isEqualTo(new TreeMap<>(expected.reasons()));
  }

  /** The raw store of a case: the baseline files, the case's files over them, generated ones, removals. */
  private static Map<String, Path> stage(Path caseDir, Expected expected, Path raw) throws IOException {
    Files.createDirectories(raw);
    Map<String, Path> files = new LinkedHashMap<>();
    for (Path source : List.of(corpus().resolve("_baseline"), caseDir)) {
      try (Stream<Path> entries = Files.list(source)) {
        for (Path file : entries.filter(f -> f.getFileName().toString().endsWith(".csv")).toList()) {
          Path target = raw.resolve(file.getFileName().toString());
          Files.copy(file, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          files.put(file.getFileName().toString(), target);
        }
      }
    }
    for (String file : expected.remove()) {
      Files.delete(raw.resolve(file));
      files.remove(file);
    }
    for (String spec : expected.generate()) {
      String[] kindAndFile = spec.split(":", 2);
      Path target = raw.resolve(kindAndFile[1]);
      Files.write(target, generate(kindAndFile[0], target, corpus().resolve("_baseline").resolve(kindAndFile[1])));
      files.put(kindAndFile[1], target);
    }
    return files;
  }

  /** The large and binary cases, made at run time rather than committed (see the corpus README). */
  static byte[] generate(String kind, Path target, Path baseline) throws IOException {
    switch (kind) {
      case "binary" -> {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        byte[] noise = new byte[64 * 1024];
        new Random(7).nextBytes(noise);
        bytes.write(noise);
        return bytes.toByteArray();
      }
      case "gzip" -> {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
          gzip.write(Files.readAllBytes(baseline));
        }
        return bytes.toByteArray();
      }
      case "zip" -> {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
          zip.putNextEntry(new ZipEntry(baseline.getFileName().toString()));
          zip.write(Files.readAllBytes(baseline));
          zip.closeEntry();
        }
        return bytes.toByteArray();
      }
      case "long-header" -> {
        List<String> lines = Files.readAllLines(baseline, StandardCharsets.UTF_8);
        lines.set(0, lines.get(0) + "," + "x".repeat(1_100_000));
        return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
      }
      case "one-mb-line" -> {
        String line = "2024-01-02,KA-BLR,30,20,50,10," + "9".repeat(1_000_000) + "\n";
        return (Files.readString(target, StandardCharsets.UTF_8) + line).getBytes(StandardCharsets.UTF_8);
      }
      case "ten-thousand-columns" -> {
        // the 7 contract columns and 9,993 unknown ones, x0007..x9999: 10,000 in all
        StringBuilder text = new StringBuilder(
            "date,location_id,temperature_max_c,temperature_min_c,humidity_pct,rainfall_mm,air_quality_index");
        for (int i = 7; i < 10_000; i++) {
          text.append(String.format(",x%04d", i));
        }
        text.append('\n');
        String extra = ",1".repeat(9_993);
        text.append("2024-01-01,KA-BLR,30,20,50,10,80").append(extra).append('\n');
        text.append("2024-01-01,MH-PUN,31,21,55,0,90").append(extra).append('\n');
        text.append("2024-01-02,KA-BLR,30,20,50,10,80").append(",1".repeat(9_992)).append('\n'); // 9,999 fields
        return text.toString().getBytes(StandardCharsets.UTF_8);
      }
      default -> throw new IllegalArgumentException("unknown generate kind: " + kind);
    }
  }

  /**
   * Reads an {@code expected} file: {@code exit=N}; {@code error=TEXT} (each must be in the first
   * stderr line); {@code DATASET: read=N valid=N collapsed=N REASON=N...} (datasets not listed: the
   * baseline's 2 read, 2 valid); {@code DATASET.unknown_columns=a,b}; {@code
   * DATASET.unknown_columns_count=N}; {@code generate=KIND:FILE}; {@code remove=FILE}; {@code #}
   * comments.
   */
  static Expected parse(Path file) throws IOException {
    int exit = -1;
    List<String> errors = new ArrayList<>();
    Map<String, Counts> datasets = new LinkedHashMap<>();
    Map<String, String> unknown = new LinkedHashMap<>();
    Map<String, Integer> unknownCounts = new LinkedHashMap<>();
    List<String> generate = new ArrayList<>();
    List<String> remove = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("exit=")) {
        exit = Integer.parseInt(line.substring(5).trim());
      } else if (line.startsWith("error=")) {
        errors.add(line.substring(6));
      } else if (line.startsWith("generate=")) {
        generate.add(line.substring(9).trim());
      } else if (line.startsWith("remove=")) {
        remove.add(line.substring(7).trim());
      } else if (line.matches("\\w+\\.unknown_columns=.*")) {
        unknown.put(line.substring(0, line.indexOf('.')), line.substring(line.indexOf('=') + 1).trim());
      } else if (line.matches("\\w+\\.unknown_columns_count=\\d+")) {
        unknownCounts.put(line.substring(0, line.indexOf('.')), Integer.parseInt(line.substring(line.indexOf('=') + 1)));
      } else if (line.matches("\\w+:( \\w+=\\d+)+")) {
        String dataset = line.substring(0, line.indexOf(':'));
        Map<String, Long> values = new LinkedHashMap<>();
        for (String pair : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
          values.put(pair.substring(0, pair.indexOf('=')), Long.parseLong(pair.substring(pair.indexOf('=') + 1)));
        }
        Map<String, Long> reasons = values.entrySet().stream().filter(e -> e.getKey().equals(e.getKey().toUpperCase()))
            .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        datasets.put(dataset, new Counts(values.get("read"), values.get("valid"), values.get("collapsed"), reasons));
      } else {
        throw new IllegalArgumentException(file + ": cannot read line '" + line + "'");
      }
    }
    assertThat(exit).as(file + " exit").isIn(0, 2);
    assertThat(DATASETS).as(file + " datasets").containsAll(datasets.keySet());
    return new Expected(exit, errors, datasets, unknown, unknownCounts, generate, remove);
  }

  private static List<String> filesUnder(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
