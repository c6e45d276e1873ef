package org.climatehealth.pipeline.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.ScriptRun;
import org.climatehealth.pipeline.testing.TestSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The application jar under the real {@code org.apache.spark.deploy.SparkSubmit}, launched by
 * {@code scripts/spark-submit.sh} through a stock Spark 4.1 / Hadoop 3.4 layout: a
 * {@code $SPARK_HOME/jars} of exactly Spark's own jars (no hadoop-aws, no AWS SDK, no Typesafe
 * Config or picocli) and a {@code bin/spark-submit} that runs Spark's launcher as Spark's script
 * does. Each command is its own JVM with {@code --master local[2]}.
 */
@ExtendWith(S3ProxyExtension.class)
class SparkSubmitIT {
  private static final Path BUILD = Path.of(System.getProperty("pipeline.build.dir", "target")).toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofMinutes(6);

  @TempDir static Path sparkHome;
  @TempDir Path workDir;

  private static S3ProxyServer s3;

  @BeforeAll
  static void stockSpark(S3ProxyServer server) throws IOException {
    s3 = server;
    Set<String> s3aJars;
    try (Stream<Path> files = Files.list(BUILD.resolve("s3a-jars"))) {
      s3aJars = files.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
    }
    // what the pipeline bundles (relocated) must not come from the runtime either
    Set<String> bundled = Set.of("config-1.4.3.jar");
    Path jars = Files.createDirectories(sparkHome.resolve("jars"));
    String classpath = Files.readString(BUILD.resolve("runtime-classpath.txt")).strip();
    for (String entry : classpath.split(":")) {
      Path jar = Path.of(entry);
      String name = jar.getFileName().toString();
      if (!s3aJars.contains(name) && !bundled.contains(name) && !name.startsWith("picocli-")) {
        Files.createSymbolicLink(jars.resolve(name), jar);
      }
    }
    Path submit = Files.createDirectories(sparkHome.resolve("bin")).resolve("spark-submit");
    try (var script = SparkSubmitIT.class.getResourceAsStream("/stock-spark/spark-submit")) {
      Files.copy(Objects.requireNonNull(script, "stock-spark/spark-submit"), submit);
    }
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));

    assertThat(jars.resolve("hadoop-client-api-3.4.2.jar")).exists();
    try (Stream<Path> stock = Files.list(jars)) {
      assertThat(stock.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith("hadoop-aws") || n.startsWith("s3-") || n.startsWith("spark-hadoop-cloud")
              || n.startsWith("sdk-core") || n.startsWith("config-"));
    }
  }

  /** {@code scripts/spark-submit.sh --master local[2] --driver-memory 2g -- COMMAND...} in {@code workDir}. */
  private ScriptRun submit(Map<String, String> env, List<String> command) {
    List<String> line = new ArrayList<>(List.of(ScriptRun.HOME.resolve("scripts/spark-submit.sh").toString(),
        "--master", "local[2]", "--driver-memory", "2g", "--"));
    line.addAll(command);
    Map<String, String> all = new HashMap<>(env);
    all.put("SPARK_HOME", sparkHome.toString());
    return ScriptRun.run(workDir, all, TIMEOUT, line);
  }

  private static List<String> concat(List<String> command, List<String> options) {
    List<String> all = new ArrayList<>(command);
    all.addAll(options);
    return all;
  }

  @Test
  void processTrainAndPredictOnS3WithTheS3aJars() throws IOException {
    String raw = s3.newBucket();
    String processed = s3.newBucket();
    String models = s3.newBucket();
    List<String> conf = new ArrayList<>(List.of(
        "--conf", "pipeline.stores.raw=s3://" + raw, "--conf", "pipeline.stores.processed=s3://" + processed,
        "--conf", "pipeline.stores.models=s3://" + models,
        "--conf", "pipeline.s3.endpoint=" + s3.endpoint(), "--conf", "pipeline.s3.path-style-access=true",
        // this test is about the runtime, not model quality: small data and learners, gates that pass
        "--conf", "pipeline.models.risk.min-roc-auc=0", "--conf", "pipeline.models.forecast.max-mae-ratio=1000",
        "--conf", "pipeline.models.risk.holdout-days=28", "--conf", "pipeline.models.forecast.holdout-days=28",
        "--conf", "pipeline.models.risk.backtest-origins=1", "--conf", "pipeline.models.forecast.backtest-origins=1"));
    conf.addAll(TestSettings.quickModelOptions());
    // the raw data is written in-process (generate needs no Spark): 4 locations x 120 days from 2023-04-01
    CliRun generated = CliRun.of(concat(List.of("generate", "--locations", "4", "--days", "120",
        "--start-date", "2023-04-01"), conf).toArray(String[]::new));
    assertThat(generated.exitCode()).as(generated.err()).isZero();
    Map<String, String> credentials = Map.of("AWS_ACCESS_KEY_ID", s3.accessKey(),
        "AWS_SECRET_ACCESS_KEY", s3.secretKey());

    ScriptRun process = submit(credentials, concat(List.of("process", "--run-id", "p-1"), conf));
    assertThat(process.exitCode()).as(process.err()).isZero();
    assertThat(process.out()).contains("run_id=p-1 command=process status=success");
    // the S3A magic committer wrote the tables (Spark's cloud committer bindings came with --jars)
    assertThat(process.err()).contains("(S3 committer: magic)");
    JsonNode processReport = report(processed, "_runs/process/p-1.json");
    assertThat(processReport.get("status").asText()).isEqualTo("success");
    JsonNode dailyLocation = output(processReport, "/processed/daily_location");
    assertThat(dailyLocation.get("rows").asLong()).isEqualTo(4 * 120);
    assertThat(keys(processed, "processed/daily_location/month=2023-07/")).anyMatch(k -> k.endsWith(".parquet"));

    ScriptRun train = submit(credentials,
        concat(List.of("train", "--model", "risk,forecast", "--run-id", "t-1"), conf));
    assertThat(train.exitCode()).as(train.err()).isZero();
    assertThat(keys(models, "models/risk/v0001/")).contains("models/risk/v0001/metadata.json");
    assertThat(keys(models, "models/forecast/v0001/")).contains("models/forecast/v0001/metadata.json");

    ScriptRun predict = submit(credentials,
        concat(List.of("predict", "--run-id", "s-1"), conf));
    assertThat(predict.exitCode()).as(predict.err()).isZero();
    // the latest date with data is the 120th day, 2023-07-29: each of the 4 locations is scored,
    // and forecast for horizons 1 to 7
    assertThat(predict.out()).contains("predict 2023-07-29 with risk v1 and forecast v1: 4 locations scored, 28 forecasts");
    JsonNode predictReport = report(processed, "_runs/predict/s-1.json");
    assertThat(output(predictReport, "/predictions").get("rows").asLong()).isEqualTo(4);
    assertThat(output(predictReport, "/forecasts").get("rows").asLong()).isEqualTo(28);
    assertThat(keys(processed, "predictions/date=2023-07-29/")).anyMatch(k -> k.endsWith(".parquet"));
    assertThat(keys(processed, "forecasts/date=2023-07-29/")).anyMatch(k -> k.endsWith(".parquet"));
    assertThat(keys(processed, "alerts/date=2023-07-29/")).isNotEmpty();

    for (ScriptRun run : List.of(process, train, predict)) {
      assertThat(run.out() + run.err()).doesNotContain(s3.secretKey());
    }
  }

  @Test
  void localStoresNeedNothingBeyondTheStockDistribution() throws IOException {
    List<String> conf = List.of("--conf", "pipeline.stores.raw=file:raw", "--conf", "pipeline.stores.processed=file:processed",
        "--conf", "pipeline.stores.models=file:models");
    Files.createDirectories(workDir.resolve("raw/raw"));
    // 2 locations x 40 days from 2024-01-01 (January and 9 days of February), written by hand
    StringBuilder climate = new StringBuilder("date,location_id,temperature_max_c,temperature_min_c,rainfall_mm\n");
    StringBuilder health = new StringBuilder("date,location_id,disease,cases\n");
    for (String location : List.of("KA-BLR", "MH-PUN")) {
      for (int day = 0; day < 40; day++) {
        String date = java.time.LocalDate.of(2024, 1, 1).plusDays(day).toString();
        climate.append(date).append(',').append(location).append(",30.5,20.5,").append(day % 3).append('\n');
        health.append(date).append(',').append(location).append(",dengue,").append(day % 5).append('\n');
      }
    }
    Files.writeString(workDir.resolve("raw/raw/climate_data.csv"), climate, StandardCharsets.UTF_8);
    Files.writeString(workDir.resolve("raw/raw/health_data.csv"), health, StandardCharsets.UTF_8);
    Files.writeString(workDir.resolve("raw/raw/locations.csv"), """
        location_id,location_name,state_code,population
        KA-BLR,Bengaluru,KA,100000
        MH-PUN,Pune,MH,50000
        """, StandardCharsets.UTF_8);
    Files.writeString(workDir.resolve("raw/raw/hospital_data.csv"),
        "report_date,hospital_id,location_id,total_beds\n2024-01-01,H1,KA-BLR,100\n", StandardCharsets.UTF_8);

    ScriptRun process = submit(Map.of("PIPELINE_S3A_JARS", "none"), concat(List.of("process", "--run-id", "l-1"), conf));

    assertThat(process.exitCode()).as(process.err()).isZero();
    assertThat(process.out()).contains("run_id=l-1 command=process status=success");
    JsonNode report = JSON.readTree(workDir.resolve("processed/_runs/process/l-1.json").toFile());
    JsonNode dailyLocation = output(report, "/processed/daily_location");
    assertThat(dailyLocation.get("rows").asLong()).isEqualTo(2 * 40);
    assertThat(dailyLocation.get("partitions")).extracting(JsonNode::asText).containsExactly("2024-01", "2024-02");
    assertThat(workDir.resolve("processed/processed/daily_location/month=2024-02")).isDirectory();
  }

  @Test
  void withoutASparkInstallationItSaysWhatToSetAndExits2() {
    List<String> line = List.of(ScriptRun.HOME.resolve("scripts/spark-submit.sh").toString(), "--master", "local[2]",
        "--", "process");
    ScriptRun missing = ScriptRun.run(workDir, Map.of("SPARK_HOME", workDir.resolve("no-spark").toString()),
        Duration.ofSeconds(30), line);

    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.errLines()).containsExactly("error: SPARK_HOME=" + workDir.resolve("no-spark")
        + " has no bin/spark-submit; set SPARK_HOME to a Spark 4.1 installation");
    assertThat(missing.out()).isEmpty();
  }

  private JsonNode report(String bucket, String key) throws IOException {
    return JSON.readTree(s3.client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray());
  }

  private static JsonNode output(JsonNode report, String pathSuffix) {
    for (JsonNode output : report.get("outputs")) {
      if (output.get("path").asText().endsWith(pathSuffix)) {
        return output;
      }
    }
    throw new AssertionError("no output ending " + pathSuffix + " in " + report);
  }

  private List<String> keys(String bucket, String prefix) {
    return s3.client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents().stream()
        .map(S3Object::key).toList();
  }
}
