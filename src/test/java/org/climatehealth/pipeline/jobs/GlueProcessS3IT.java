package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.config.SettingsLoader;
import org.climatehealth.pipeline.deploy.GlueJobs;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An AWS Glue job run of {@code jobs/process.json}, in local mode against S3Proxy: the main class
 * gets the argument list Glue would pass (Glue's own arguments, then the job's DefaultArguments as
 * rendered for this deployment) plus only what points it at S3Proxy and a small local Spark. The
 * committer is the one the job file sets ({@code runtime}: the session's own, not the magic one);
 * the profile comes from the artifacts location, as uploaded by deploy-glue.sh.
 */
@ExtendWith(S3ProxyExtension.class)
class GlueProcessS3IT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void noSessionLeftOver() {
    // the committer a session was started with stays with it: this run must start its own
    stopSpark();
  }

  @AfterAll
  static void stopSpark() {
    TestSpark.stopActive();
  }

  /** Glue's own arguments for a run of the job, as Glue 6.0 passes them; the job ignores them. */
  private static List<String> glueOwn(String jobName) {
    return List.of("--JOB_NAME", jobName, "--JOB_ID", "j_0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "--JOB_RUN_ID", "jr_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
        "--TempDir", "s3://aws-glue-assets-123456789012-us-east-1/temporary/",
        "--job-bookmark-option", "job-bookmark-disable", "--conf", "spark.executor.memory=1g",
        "--enable-metrics", "true");
  }

  @Test
  void theProcessJobDoesItsWorkFromGluesArgumentList(S3ProxyServer s3) throws Exception {
    String rawBucket = s3.newBucket();
    String lakeBucket = s3.newBucket();
    String artifactsBucket = s3.newBucket();
    Map<String, String> given = new LinkedHashMap<>();
    given.put("ARTIFACTS", "s3://" + artifactsBucket + "/climate-health");
    given.put("ROLE_ARN", "arn:aws:iam::123456789012:role/climate-health-glue");
    given.put("RAW_STORE", "s3://" + rawBucket);
    given.put("PROCESSED_STORE", "s3://" + lakeBucket + "/processed");
    given.put("MODELS_STORE", "s3://" + lakeBucket + "/models");
    given.put("REGION", s3.region());
    JsonNode job = GlueJobs.render(GlueJobs.read(Path.of("jobs/process.json")), GlueJobs.values(given));

    List<String> args = new ArrayList<>(glueOwn(job.get("Name").textValue()));
    job.get("DefaultArguments").fields().forEachRemaining(f -> {
      args.add(f.getKey());
      args.add(f.getValue().textValue());
    });
    assertThat(args).containsSequence("--pipeline.spark.s3-committer", "runtime").containsSequence("--class",
        "org.climatehealth.pipeline.Main");
    // only what points the run at S3Proxy and keeps Spark small; Glue would set the master itself
    args.addAll(List.of("--pipeline.s3.endpoint", s3.endpoint(), "--pipeline.s3.path-style-access", "true",
        "--pipeline.spark.master", "local[2]", "--pipeline.spark.conf.spark.ui.enabled", "false",
        "--pipeline.spark.conf.spark.sql.shuffle.partitions", "2", "--run-id", "glue-run-1"));

    try (S3Clients clients = new S3Clients(s3.s3Settings())) {
      Storage raw = new S3Storage(StoreUri.parse("s3://" + rawBucket), clients);
      Storage processed = new S3Storage(StoreUri.parse("s3://" + lakeBucket + "/processed"), clients);
      Storage artifacts = new S3Storage(StoreUri.parse("s3://" + artifactsBucket + "/climate-health"), clients);
      raw.writeText("raw/locations.csv", ProcessFixtureTest.LOCATIONS);
      raw.writeText("raw/climate_data.csv", ProcessFixtureTest.CLIMATE);
      raw.writeText("raw/health_data.csv", ProcessFixtureTest.HEALTH);
      raw.writeText("raw/hospital_data.csv", ProcessFixtureTest.HOSPITAL);

      // before deploy-glue.sh has uploaded the configuration, the job refuses to guess one
      CliRun early = CliRun.of(args.toArray(String[]::new));
      assertThat(early.exitCode()).as(early.err()).isEqualTo(2);
      assertThat(early.errLines().get(0)).isEqualTo("error: unknown environment 'aws': there is no s3://"
          + artifactsBucket + "/climate-health/conf/aws.conf (--conf-dir s3://" + artifactsBucket + "/climate-health/conf)");

      // what deploy-glue.sh uploads next to the jar: conf/*.conf
      try (Stream<Path> confs = Files.list(Path.of("conf"))) {
        for (Path conf : confs.filter(p -> p.toString().endsWith(".conf")).toList()) {
          artifacts.writeText("conf/" + conf.getFileName(), Files.readString(conf));
        }
      }

      CliRun run = CliRun.of(args.toArray(String[]::new));

      assertThat(run.exitCode()).as(run.err() + run.out()).isZero();
      assertThat(run.out()).contains("daily_location: 8 rows in 2 month partitions");
      JsonNode report = JSON.readTree(processed.readBytes("_runs/process/glue-run-1.json"));
      assertThat(report.get("status").asText()).isEqualTo("success");
      assertThat(report.get("command").asText()).isEqualTo("process");
      assertThat(report.get("env").asText()).isEqualTo("aws");
      JsonNode climate = report.at("/details/datasets/climate");
      assertThat(climate.get("rows_read").asLong()).isEqualTo(20);
      assertThat(climate.get("rows_valid").asLong()).isEqualTo(7);
      assertThat(climate.get("rows_quarantined").asLong()).isEqualTo(12);
      assertThat(climate.get("duplicates_collapsed").asLong()).isEqualTo(1);
      assertThat(report.get("inputs").get(0).get("path").asText()).startsWith("s3://" + rawBucket + "/raw/");

      List<String> keys = processed.list("processed/daily_location/").stream().map(ObjectInfo::key).toList();
      assertThat(keys).anyMatch(k -> k.startsWith("processed/daily_location/month=2024-01/") && k.endsWith(".parquet"))
          .anyMatch(k -> k.startsWith("processed/daily_location/month=2024-02/") && k.endsWith(".parquet"))
          // the month partitions, and the committer's marker published last next to them
          .allMatch(k -> k.startsWith("processed/daily_location/month=2024-0")
              || k.equals("processed/daily_location/_SUCCESS"));
      assertThat(processed.list("")).extracting(ObjectInfo::key)
          .noneMatch(k -> k.contains("__magic") || k.startsWith("_staging/"));
      assertThat(processed.list("quarantine/climate/run_id=glue-run-1/")).isNotEmpty();
      // the job may read raw and must not have written there
      assertThat(raw.list("")).extracting(ObjectInfo::key).containsExactlyInAnyOrder("raw/locations.csv",
          "raw/climate_data.csv", "raw/health_data.csv", "raw/hospital_data.csv");

      // the rows, read back with Spark through s3a://
      Settings reader = new SettingsLoader(Path.of("conf")).load("local", List.of(
          "pipeline.stores.processed=s3://" + lakeBucket + "/processed", "pipeline.s3.endpoint=" + s3.endpoint(),
          "pipeline.s3.path-style-access=true", "pipeline.spark.master=local[2]", "spark.ui.enabled=false"));
      SparkSession spark = SparkSessions.create(reader, "glue-process-check");
      String daily = "s3a://" + lakeBucket + "/processed/processed/daily_location";
      assertThat(spark.read().parquet(daily).count()).isEqualTo(8);
      assertThat(spark.read().parquet(daily).where("month = '2024-02'").count()).isEqualTo(1);
      assertThat(spark.read().parquet(daily).where("location_id = 'KA-BLR' and date = '2024-01-05'")
          .first().<Long>getAs("total_beds")).isEqualTo(320L);
    }
  }
}
