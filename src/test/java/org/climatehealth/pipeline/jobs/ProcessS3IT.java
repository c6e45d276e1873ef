package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.climatehealth.pipeline.config.SettingsLoader;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.S3Settings;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code process} on S3 (S3Proxy through s3a:// and the magic committer): the same fixture, the same numbers. */
@ExtendWith(S3ProxyExtension.class)
class ProcessS3IT {

  @AfterAll
  static void stopSpark() {
    TestSpark.stopActive();
  }

  @Test
  void theFixtureGivesTheSameResultsOnS3AndASecondRunChangesNothing(S3ProxyServer s3) throws Exception {
    String rawBucket = s3.newBucket();
    String processedBucket = s3.newBucket();
    S3Settings settings = s3.s3Settings();
    try (S3Clients clients = new S3Clients(settings)) {
      Storage raw = new S3Storage(StoreUri.parse("s3://" + rawBucket), clients);
      Storage processed = new S3Storage(StoreUri.parse("s3://" + processedBucket + "/pipeline"), clients);
      raw.writeText("raw/locations.csv", ProcessFixtureTest.LOCATIONS);
      raw.writeText("raw/climate_data.csv", ProcessFixtureTest.CLIMATE);
      raw.writeText("raw/health_data.csv", ProcessFixtureTest.HEALTH);
      raw.writeText("raw/hospital_data.csv", ProcessFixtureTest.HOSPITAL);
      String[] args = {"process", "--run-id", "s3-run-1",
          "--conf", "pipeline.stores.raw=s3://" + rawBucket,
          "--conf", "pipeline.stores.processed=s3://" + processedBucket + "/pipeline",
          "--conf", "pipeline.s3.endpoint=" + s3.endpoint(), "--conf", "pipeline.s3.path-style-access=true",
          "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2",
          "--conf", "pipeline.spark.master=local[2]"};

      // the test's own session, with the same settings: the command joins it and leaves it running
      List<String> overrides = new java.util.ArrayList<>();
      for (int i = 3; i < args.length; i += 2) {
        overrides.add(args[i + 1]);
      }
      SparkSession spark = SparkSessions.create(new SettingsLoader(Path.of("conf")).load("local", overrides), "test");

      CliRun first = CliRun.of(args);
      assertThat(first.exitCode()).as(first.err()).isZero();

      JsonNode report = new ObjectMapper().readTree(processed.readBytes("_runs/process/s3-run-1.json"));
      JsonNode climate = report.get("details").get("datasets").get("climate");
      assertThat(climate.get("rows_read").asLong()).isEqualTo(20);
      assertThat(climate.get("rows_valid").asLong()).isEqualTo(7);
      assertThat(climate.get("rows_quarantined").asLong()).isEqualTo(12);
      assertThat(climate.get("duplicates_collapsed").asLong()).isEqualTo(1);
      assertThat(report.get("inputs").get(0).get("path").asText()).startsWith("s3://" + rawBucket + "/raw/");

      String daily = "s3a://" + processedBucket + "/pipeline/processed/daily_location";
      List<String> rows = spark.read().parquet(daily).orderBy("location_id", "date").collectAsList().stream()
          .map(Row::toString).toList();
      assertThat(rows).hasSize(8);
      Row jan5 = spark.read().parquet(daily).where("location_id = 'KA-BLR' and date = '2024-01-05'").first();
      assertThat((Long) jan5.getAs("total_beds")).isEqualTo(320L);
      assertThat(spark.read().json("s3a://" + processedBucket + "/pipeline/quarantine/climate/run_id=s3-run-1").count())
          .isEqualTo(12);

      List<String> keysAfterFirst = processed.list("processed/").stream().map(ObjectInfo::key).toList();
      assertThat(keysAfterFirst).noneMatch(k -> k.contains("__magic") || k.contains("_staging"));
      assertThat(processed.list("_staging/")).isEmpty();

      String[] again = args.clone();
      again[2] = "s3-run-2";
      CliRun second = CliRun.of(again);
      assertThat(second.exitCode()).as(second.err()).isZero();
      assertThat(spark.read().parquet(daily).orderBy("location_id", "date").collectAsList().stream()
          .map(Row::toString).toList()).isEqualTo(rows);
      assertThat(processed.list("processed/")).hasSameSizeAs(keysAfterFirst);
      assertThat(processed.list("_staging/")).isEmpty();
    }
  }
}
