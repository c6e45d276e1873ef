package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.SettingsLoader;
import org.climatehealth.pipeline.publish.FaultInjection;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.ChildJvm;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate, process, train (all three models), models approve and predict with every store on S3
 * (S3Proxy, s3a:// with the magic committer): models are saved to and loaded from the models
 * bucket, and the manual approval policy holds predict back until a version is approved; a predict
 * killed (SIGKILL) mid-publish leaves whole dates and the next run completes them.
 */
@ExtendWith(S3ProxyExtension.class)
class TrainPredictS3IT {

  @AfterAll
  static void stopSpark() {
    TestSpark.stopActive();
  }

  @TempDir Path dir;

  @Test
  void trainApproveAndPredictOnS3(S3ProxyServer s3) throws Exception {
    String bucket = s3.newBucket();
    String modelsBucket = s3.newBucket();
    List<String> conf = new ArrayList<>(List.of(
        "--conf", "pipeline.stores.raw=s3://" + bucket + "/raw-store",
        "--conf", "pipeline.stores.processed=s3://" + bucket + "/processed-store",
        "--conf", "pipeline.stores.models=s3://" + modelsBucket,
        "--conf", "pipeline.s3.endpoint=" + s3.endpoint(), "--conf", "pipeline.s3.path-style-access=true",
        "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2",
        "--conf", "pipeline.spark.master=local[2]",
        "--conf", "pipeline.models.approval=manual",
        // this test is about storage, not model quality: 4 locations give too small a hold-out to gate on
        "--conf", "pipeline.models.risk.min-roc-auc=0", "--conf", "pipeline.models.forecast.max-mae-ratio=1000",
        "--conf", "pipeline.models.risk.holdout-days=28", "--conf", "pipeline.models.forecast.holdout-days=28",
        "--conf", "pipeline.models.risk.backtest-origins=1", "--conf", "pipeline.models.forecast.backtest-origins=1"));
    conf.addAll(TestSettings.quickModelOptions());
    List<String> overrides = new ArrayList<>();
    for (int i = 1; i < conf.size(); i += 2) {
      overrides.add(conf.get(i));
    }
    SparkSession spark = SparkSessions.create(new SettingsLoader(Path.of("conf")).load("local", overrides), "test");

    // 4 locations x 120 days, the last 2023-07-19
    assertThat(run(conf, "generate", "--locations", "4", "--days", "120", "--start-date", "2023-03-22").exitCode()).isZero();
    assertThat(run(conf, "process").exitCode()).isZero();
    CliRun train = run(conf, "train", "--run-id", "s3-train");
    assertThat(train.exitCode()).as(train.err() + train.out()).isZero();

    try (S3Clients clients = new S3Clients(s3.s3Settings())) {
      Storage models = new S3Storage(StoreUri.parse("s3://" + modelsBucket), clients);
      Storage processed = new S3Storage(StoreUri.parse("s3://" + bucket + "/processed-store"), clients);
      for (String name : List.of("risk", "forecast", "abalone")) {
        JsonNode metadata = new ObjectMapper().readTree(models.readBytes("models/" + name + "/v0001/metadata.json"));
        assertThat(metadata.get("status").asText()).as(name).isEqualTo("pending");
        assertThat(models.exists("models/" + name + "/v0001/model/metadata")).isTrue();
      }
      assertThat(models.list("")).extracting(ObjectInfo::key).noneMatch(k -> k.contains("__magic"));

      // manual approval: nothing approved yet
      CliRun refused = run(conf, "predict", "--date", "2023-07-19");
      assertThat(refused.exitCode()).isEqualTo(2);
      assertThat(refused.err()).contains("models approve risk 1");

      assertThat(run(conf, "models", "approve", "risk", "1", "--by", "tester").exitCode()).isZero();
      assertThat(run(conf, "models", "approve", "forecast", "v0001", "--by", "tester").exitCode()).isZero();
      CliRun list = run(conf, "models", "list");
      assertThat(list.out()).contains("risk").contains("approved").contains("abalone").contains("pending");

      CliRun predict = run(conf, "predict", "--date", "2023-07-19", "--run-id", "s3-predict");
      assertThat(predict.exitCode()).as(predict.err()).isZero();
      String base = "s3a://" + bucket + "/processed-store/";
      assertThat(spark.read().parquet(base + "predictions/date=2023-07-19").count()).isEqualTo(4);
      assertThat(spark.read().parquet(base + "forecasts/date=2023-07-19").count()).isEqualTo(28);
      assertThat(processed.exists("alerts/date=2023-07-19")).isTrue();
      assertThat(processed.list("_staging/")).isEmpty();
      JsonNode report = new ObjectMapper().readTree(processed.readBytes("_runs/predict/s3-predict.json"));
      assertThat(report.get("status").asText()).isEqualTo("success");
      assertThat(report.get("inputs").get(0).get("path").asText()).isEqualTo("s3://" + modelsBucket + "/models/risk/v0001");

      // predict of 2023-07-18 killed (SIGKILL) before its publish's second move: that day's predictions
      // are in place whole, its forecasts and alerts not yet, and 2023-07-19 keeps its bytes
      Map<String, String> dayBefore = checksums(processed, "date=2023-07-19/");
      List<String> args = new ArrayList<>(List.of("predict", "--date", "2023-07-18", "--run-id", "s3-killed"));
      args.addAll(conf);
      try (ChildJvm child = ChildJvm.start(dir.resolve("child"), List.of("-Daws.accessKeyId=" + s3.accessKey(),
          "-Daws.secretAccessKey=" + s3.secretKey(), "-Daws.region=" + s3.region(),
          "-D" + FaultInjection.PROPERTY + "=pause@publish.move.2"), args)) {
        child.awaitPause(Duration.ofMinutes(10));
        child.kill();
      }
      List<String> killedPredictions = rowsWithoutRunId(spark, base + "predictions/date=2023-07-18");
      assertThat(killedPredictions).hasSize(4);
      assertThat(processed.exists("forecasts/date=2023-07-18")).isFalse();
      assertThat(processed.exists("alerts/date=2023-07-18")).isFalse();
      assertThat(checksums(processed, "date=2023-07-19/")).isEqualTo(dayBefore);

      CliRun next = run(conf, "predict", "--date", "2023-07-18", "--run-id", "s3-next");
      assertThat(next.exitCode()).as(next.err()).isZero();
      assertThat(rowsWithoutRunId(spark, base + "predictions/date=2023-07-18")).isEqualTo(killedPredictions);
      assertThat(spark.read().parquet(base + "forecasts/date=2023-07-18").count()).isEqualTo(28);
      assertThat(processed.exists("alerts/date=2023-07-18")).isTrue();
      assertThat(checksums(processed, "date=2023-07-19/")).isEqualTo(dayBefore);
      assertThat(processed.list("_staging/")).isEmpty();
      assertThat(processed.list("_publish/")).isEmpty();
      assertThat(processed.exists("_lease/run.json")).isFalse();
      assertThat(processed.list("")).extracting(ObjectInfo::key).noneMatch(k -> k.contains("__magic"));
      assertThat(s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads()).isEmpty();
    }
  }

  /** Checksums of the objects in every folder named like {@code folder} (any table). */
  private static Map<String, String> checksums(Storage store, String folder) {
    Map<String, String> sums = new TreeMap<>();
    for (ObjectInfo object : store.list("")) {
      if (object.key().contains("/" + folder)) {
        sums.put(object.key(), store.checksum(object.key()));
      }
    }
    assertThat(sums).isNotEmpty();
    return sums;
  }

  private static List<String> rowsWithoutRunId(SparkSession spark, String path) {
    List<String> rows = new ArrayList<>(spark.read().parquet(path).drop("run_id").collectAsList().stream()
        .map(Object::toString).toList());
    rows.sort(null);
    return rows;
  }

  private static CliRun run(List<String> conf, String... command) {
    List<String> args = new ArrayList<>(Arrays.asList(command));
    args.addAll(conf);
    return CliRun.of(args.toArray(String[]::new));
  }
}
