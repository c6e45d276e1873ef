package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.climatehealth.pipeline.testing.TestFiles.copyTree;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.publish.FaultInjection;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.ChildJvm;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A {@code process} run killed with SIGKILL (a child JVM) at several points of its writes, on local
 * disk and on S3: readers see every partition whole (old or new), partitions the run did not own
 * keep their bytes, and the next run converges to the output of a run that was never killed, with
 * no staging, journal, lease, {@code __magic} object or pending multipart upload left.
 *
 * <p>Data: 4 generated locations x 60 days from 2023-01-01 (months 01-03), processed in full
 * ("base"). The killed run processes February again after a health drop file added 50 leptospirosis
 * cases on 2023-02-10, so February's new partitions differ from the old ones.
 */
@ExtendWith(S3ProxyExtension.class)
class CrashRecoveryIT {
  private static final List<String> TABLES = List.of("processed/climate/", "processed/health/",
      "processed/hospital/", "processed/locations/", "processed/daily_location/");
  private static final String OWNED = "month=2023-02/";
  // generous: a loaded 2-core machine takes minutes where an idle one takes seconds
  private static final Duration PAUSE_TIMEOUT = Duration.ofMinutes(10);

  @TempDir static Path dir;
  private static SparkSession spark;
  private static Path rawV2;
  private static Path base;
  private static Path reference;

  @BeforeAll
  static void baseAndReference() throws IOException {
    spark = TestSpark.session();
    Path rawV1 = dir.resolve("raw-v1");
    assertThat(CliRun.of("generate", "--locations", "4", "--days", "60",
        "--conf", "pipeline.stores.raw=file:" + rawV1).exitCode()).isZero();
    rawV2 = dir.resolve("raw-v2");
    copyTree(rawV1, rawV2);
    Files.writeString(rawV2.resolve("raw/health_data_2023-02-10.csv"),
        "date,location_id,disease,cases,deaths,hospitalizations\n2023-02-10,KA-BLR,leptospirosis,50,1,5\n");

    base = dir.resolve("base");
    assertThat(process(rawV1, "file:" + base, "base", false).exitCode()).isZero();
    reference = dir.resolve("reference");
    copyTree(base, reference);
    assertThat(process(rawV2, "file:" + reference, "reference", true).exitCode()).isZero();
    // the scene is as described: February changed, January and March did not
    assertThat(rows("file:" + reference, "processed/daily_location/" + OWNED))
        .isNotEqualTo(rows("file:" + base, "processed/daily_location/" + OWNED));
  }

  @AfterAll
  static void stopSpark() {
    // other ITs in this JVM expect no session left running
    TestSpark.stopActive();
  }

  /** Killed: while Spark writes to staging (as soon as a staged object exists), and at points of the publish. */
  @ParameterizedTest
  @ValueSource(strings = {"staging", "publish.move.3", "publish.marker"})
  void aProcessKilledOnLocalDiskLeavesWholePartitionsAndTheNextRunConverges(String point) throws IOException {
    Path store = dir.resolve("local-" + point.replace('.', '-'));
    copyTree(base, store);
    Storage processed = new LocalStorage(StoreUri.local(store));
    Map<String, String> notOwnedBefore = notOwnedChecksums(processed);

    killDuring(point, "file:" + store, List.of(), processed);

    assertThat(notOwnedChecksums(processed)).as("partitions the run did not own").isEqualTo(notOwnedBefore);
    assertOwnedPartitionsWhole("file:" + store, processed);
    CliRun next = process(rawV2, "file:" + store, "next-" + point, true);
    assertThat(next.exitCode()).as(next.err()).isZero();
    assertConverged("file:" + store, processed);
  }

  @Test
  void aProcessKilledOnS3LeavesNoPendingUploadOrMagicObjectAndTheNextRunConverges(S3ProxyServer s3) throws IOException {
    String bucket = s3.newBucket();
    String uri = "s3://" + bucket + "/processed-store";
    try (S3Clients clients = new S3Clients(s3.s3Settings())) {
      Storage processed = new S3Storage(StoreUri.parse(uri), clients);
      List<String> conf = List.of("--conf", "pipeline.s3.endpoint=" + s3.endpoint(),
          "--conf", "pipeline.s3.path-style-access=true");
      // the base on S3: every month, from raw v1 (a local raw store)
      CliRun first = CliRun.of(args(dir.resolve("raw-v1"), uri, "s3-base", false, conf));
      assertThat(first.exitCode()).as(first.err()).isZero();
      Map<String, String> notOwnedBefore = notOwnedChecksums(processed);

      List<String> jvm = List.of("-Daws.accessKeyId=" + s3.accessKey(), "-Daws.secretAccessKey=" + s3.secretKey(),
          "-Daws.region=" + s3.region());
      for (String point : List.of("staging", "publish.move.2")) {
        killDuring(point, uri, conf, processed, jvm);
        if (point.equals("staging")) {
          // what a killed magic-committer job leaves: its uploads are pending until job commit
          assertThat(processed.list("_staging/")).as("staged objects of the killed run").isNotEmpty();
        }
        assertThat(notOwnedChecksums(processed)).as("partitions the run did not own").isEqualTo(notOwnedBefore);
        assertOwnedPartitionsWhole(uri, processed);

        CliRun next = CliRun.of(args(rawV2, uri, "s3-next-" + point, true, conf));
        assertThat(next.exitCode()).as(next.err()).isZero();
        assertConverged(uri, processed);
        assertThat(s3.client().listMultipartUploads(b -> b.bucket(bucket)).uploads()).as("pending uploads").isEmpty();
        assertThat(processed.list("")).extracting(ObjectInfo::key).noneMatch(k -> k.contains("__magic"));
        for (String table : TABLES) {
          // the S3A committer's JSON _SUCCESS (the classic committer's is empty), published with the table
          JsonNode success = processed.readJson(table + "_SUCCESS", JsonNode.class);
          assertThat(success.path("committer").asText()).as(table).isEqualTo("magic");
        }
      }
    }
  }

  @Test
  void aFailureDuringCommitIsFollowedByARerunIdenticalToACleanRun() throws IOException {
    Path store = dir.resolve("local-failed-commit");
    copyTree(base, store);
    Storage processed = new LocalStorage(StoreUri.local(store));
    System.setProperty(FaultInjection.PROPERTY, "fail@publish.move.4");
    CliRun failed;
    try {
      failed = process(rawV2, "file:" + store, "failed-commit", true);
    } finally {
      System.clearProperty(FaultInjection.PROPERTY);
    }
    assertThat(failed.exitCode()).isEqualTo(1);
    assertThat(failed.err()).contains("injected failure at publish.move.4");
    assertThat(processed.list("_publish/")).hasSize(1);
    assertOwnedPartitionsWhole("file:" + store, processed);

    CliRun rerun = process(rawV2, "file:" + store, "rerun", true);
    assertThat(rerun.exitCode()).as(rerun.err()).isZero();
    assertConverged("file:" + store, processed);
    JsonNode report = processed.readJson("_runs/process/rerun.json", JsonNode.class);
    assertThat(report.path("details").path("recovered").path("publishes_completed").get(0).asText())
        .isEqualTo("failed-commit");
  }

  // ---- the kill ----

  private static void killDuring(String point, String store, List<String> conf, Storage processed) {
    killDuring(point, store, conf, processed, List.of());
  }

  private static void killDuring(String point, String store, List<String> conf, Storage processed,
      List<String> jvmOptions) {
    List<String> options = new ArrayList<>(jvmOptions);
    if (!point.equals("staging")) {
      options.add("-D" + FaultInjection.PROPERTY + "=pause@" + point);
    }
    try (ChildJvm child = ChildJvm.start(dir.resolve("child"), options,
        List.of(args(rawV2, store, "killed-" + point, true, conf)))) {
      if (point.equals("staging")) {
        child.awaitCondition("a staged object", PAUSE_TIMEOUT, () -> !processed.list("_staging/").isEmpty());
      } else {
        child.awaitPause(PAUSE_TIMEOUT);
      }
      child.kill();
    }
  }

  // ---- what readers see ----

  /** Every owned partition holds one data file whose rows are the old partition's or the new one's. */
  private static void assertOwnedPartitionsWhole(String store, Storage processed) {
    for (String table : TABLES) {
      if (table.endsWith("locations/")) {
        assertThat(dataFiles(processed, table)).as(table).hasSize(1);
        continue;
      }
      String partition = table + OWNED;
      assertThat(dataFiles(processed, partition)).as(partition).hasSize(1);
      assertThat(rows(store, partition)).as(partition)
          .isIn(rows("file:" + base, partition), rows("file:" + reference, partition));
    }
  }

  /** Every table equals the never-killed run's, and nothing of the killed run is left. */
  private static void assertConverged(String store, Storage processed) {
    for (String table : TABLES) {
      assertThat(rows(store, table)).as(table).isEqualTo(rows("file:" + reference, table));
    }
    assertThat(processed.list("_staging/")).isEmpty();
    assertThat(processed.list("_publish/")).isEmpty();
    assertThat(processed.exists("_lease/run.json")).isFalse();
  }

  private static List<String> dataFiles(Storage processed, String folder) {
    return processed.list(folder).stream().map(ObjectInfo::key).map(k -> k.substring(folder.length()))
        .filter(k -> !k.contains("/") && !k.startsWith("_") && !k.startsWith(".")).toList();
  }

  /** Checksums of every object of the tables outside the owned month. */
  private static Map<String, String> notOwnedChecksums(Storage processed) {
    Map<String, String> sums = new TreeMap<>();
    for (String table : TABLES) {
      for (ObjectInfo object : processed.list(table)) {
        if (object.key().contains("month=") && !object.key().contains(OWNED)) {
          sums.put(object.key(), processed.checksum(object.key()));
        }
      }
    }
    assertThat(sums).isNotEmpty();
    return sums;
  }

  /** The rows of a table or partition, as sorted strings. */
  private static List<String> rows(String store, String path) {
    String location = store.startsWith("s3://") ? "s3a://" + store.substring(5) + "/" + path
        : store.substring("file:".length()) + "/" + path;
    List<String> rows = new ArrayList<>(spark.read().parquet(location).collectAsList().stream()
        .map(Row::toString).toList());
    rows.sort(null);
    return rows;
  }

  // ---- runs ----

  private static CliRun process(Path raw, String processed, String runId, boolean february) {
    return CliRun.of(args(raw, processed, runId, february, List.of()));
  }

  private static String[] args(Path raw, String processed, String runId, boolean february, List<String> conf) {
    List<String> args = new ArrayList<>(List.of("process", "--run-id", runId,
        "--conf", "pipeline.stores.raw=file:" + raw, "--conf", "pipeline.stores.processed=" + processed,
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models"),
        "--conf", "spark.ui.enabled=false", "--conf", "pipeline.spark.master=local[2]"));
    if (february) {
      args.addAll(List.of("--from", "2023-02-01", "--to", "2023-02-28"));
    }
    args.addAll(conf);
    return args.toArray(String[]::new);
  }
}
