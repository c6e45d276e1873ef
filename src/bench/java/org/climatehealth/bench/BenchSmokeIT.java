package org.climatehealth.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.climatehealth.pipeline.generate.GeneratorManifest;
import org.climatehealth.pipeline.testing.ScriptRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/bench.sh} at a tiny scale, on the build just made: a smoke test of the harness,
 * not a benchmark. Every implementation runs (pandas may be skipped when it is not installed: the
 * test never installs it), the report has each one's numbers, and the implementations of
 * {@code process} agree with each other and with the generator's manifest on dirty data.
 */
class BenchSmokeIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void everyImplementationRunsAndTheyAgreeOnDirtyData() throws IOException {
    Path reports = dir.resolve("reports");
    ScriptRun run = ScriptRun.run(dir, Map.of("BENCH_JAVA_OPTS", "-Xmx512m"), Duration.ofMinutes(8),
        List.of(ScriptRun.HOME.resolve("scripts/bench.sh").toString(), "--scale", "0.002", "--days", "120",
            "--no-install", "--spark-heap", "1g", "--work-dir", dir.resolve("work").toString(), "--report-dir",
            reports.toString()));

    assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
    JsonNode report = JSON.readTree(reports.resolve(BenchReport.JSON_FILE).toFile());
    assertThat(report.get("passed").asBoolean()).isTrue();
    assertThat(report.path("machine").get("cores").asInt()).isPositive();
    assertThat(report.path("input").get("rows").asLong()).isPositive();

    List<String> names = new ArrayList<>();
    for (JsonNode impl : report.get("implementations")) {
      String name = impl.get("name").asText();
      names.add(name);
      if (name.equals("pandas") && impl.get("status").asText().equals("skipped")) {
        assertThat(impl.get("note").asText()).startsWith("not installed");
        assertThat(run.out()).contains("bench: pandas: skipped, not installed");
        continue;
      }
      assertThat(impl.get("status").asText()).as(name).isEqualTo("ok");
      assertThat(impl.get("wall_seconds").asDouble()).as(name).isPositive();
      assertThat(impl.get("peak_rss_bytes").asLong()).as(name).isPositive();
      assertThat(impl.get("rows_per_second").asLong()).as(name).isPositive();
      assertThat(impl.get("mb_per_second_per_core").isNumber()).as(name).isTrue();
      if (!name.equals("pandas")) {
        assertThat(impl.get("setup_seconds").asDouble()).as(name).isPositive().isLessThan(
            impl.get("wall_seconds").asDouble());
      }
    }
    assertThat(names).containsExactlyElementsOf(Implementations.NAMES);

    // the targets: each ratio from the walls above, each stage against its budget times the scale
    Map<String, Double> walls = new java.util.HashMap<>();
    report.get("implementations").forEach(i -> walls.put(i.get("name").asText(), i.path("wall_seconds").asDouble()));
    Map<String, JsonNode> targets = new java.util.HashMap<>();
    report.get("targets").forEach(t -> targets.put(t.get("what").asText(), t));
    JsonNode floorRatio = targets.get("process / spark-csv-to-parquet (wall)");
    assertThat(floorRatio.get("value").asDouble()).isCloseTo(walls.get("spark") / walls.get("spark-csv-to-parquet"),
        org.assertj.core.data.Offset.offset(0.006));
    assertThat(floorRatio.get("met").asBoolean()).isEqualTo(floorRatio.get("value").asDouble() <= 2.0);
    assertThat(targets.get("spark-1core / spark (wall): speed-up from the cores").get("value").asDouble())
        .isCloseTo(walls.get("spark-1core") / walls.get("spark"), org.assertj.core.data.Offset.offset(0.006));
    assertThat(targets.get("process stage daily_location (s)").get("target").asDouble()).isCloseTo(15.0 * 0.002,
        org.assertj.core.data.Offset.offset(1e-9));

    JsonNode agreement = report.get("agreement");
    assertThat(agreement.get("passed").asBoolean()).isTrue();
    assertThat(agreement.get("mismatches")).isEmpty();
    assertThat(JSON.convertValue(agreement.get("compared"), List.class)).contains("generator manifest", "spark", "spark-1core",
        "duckdb");
    assertThat(Files.readString(reports.resolve(BenchReport.MARKDOWN_FILE)))
        .contains("| implementation | status | wall s | setup s | rows/s | input MB/s | MB/s per core | cores | peak RSS MB |")
        .contains("PASS: ");
    // every quarantine reason occurred, so the agreement covered each of them
    JsonNode spark = JSON.readTree(reports.resolve("summaries/spark.json").toFile());
    assertThat(spark.path("quarantine").path("climate").size()).isEqualTo(7);
    // and so did the malformed lines that only their bytes or their quotes give away: lines that
    // are not UTF-8, quotes not closed on their line (a quoted line break makes two such lines)
    Path manifestFile;
    try (Stream<Path> walk = Files.walk(dir.resolve("work"))) {
      manifestFile = walk.filter(p -> p.endsWith(GeneratorManifest.KEY)).findFirst().orElseThrow();
    }
    Map<String, Long> defects = new HashMap<>();
    Json.MAPPER.readValue(manifestFile.toFile(), GeneratorManifest.class).datasets().values()
        .forEach(d -> d.defects().forEach((form, n) -> defects.merge(form, n, Long::sum)));
    assertThat(defects).containsKeys("not_utf8", "unclosed_quote", "quoted_line_break");
  }

  @Test
  void everyItemThatDiffersIsReportedWithEachImplementationsValue() {
    ObjectNode spark = summary("spark", 100, 1234.5, 7);
    ObjectNode duckdb = summary("duckdb", 100, 1234.5 * (1 + 1e-9), 7);
    ObjectNode pandas = summary("pandas", 101, 1240.0, 6);
    pandas.with("daily_location").with("columns").remove("cases_total");

    Agreement.Result close = Agreement.check(List.of(spark, duckdb));
    Agreement.Result apart = Agreement.check(List.of(spark, duckdb, pandas));

    assertThat(close.agrees()).isTrue();
    assertThat(apart.mismatches()).extracting(Agreement.Mismatch::item).containsExactly(
        "daily_location.rows", "daily_location.columns.rainfall_mm.sum", "daily_location.columns.cases_total.non_null",
        "daily_location.columns.cases_total.sum", "quarantine.climate.BAD_DATE");
    assertThat(apart.mismatches().get(0).values()).containsExactly(Map.entry("spark", "100"),
        Map.entry("duckdb", "100"), Map.entry("pandas", "101"));
  }

  private static ObjectNode summary(String name, long rows, double rainfall, long badDates) {
    ObjectNode summary = JSON.createObjectNode().put("implementation", name);
    ObjectNode daily = summary.putObject("daily_location").put("rows", rows);
    daily.putObject("columns").<ObjectNode>set("rainfall_mm", JSON.createObjectNode().put("type", "double")
        .put("non_null", 90).put("sum", rainfall).putNull("checksum"))
        .set("cases_total", JSON.createObjectNode().put("non_null", 80).put("sum", 5000).putNull("checksum"));
    summary.putObject("quarantine").putObject("climate").put("BAD_DATE", badDates);
    return summary;
  }
}
