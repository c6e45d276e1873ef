package org.climatehealth.pipeline.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.climatehealth.pipeline.testing.FaultProxy.objectGet;
import static org.climatehealth.pipeline.testing.FaultProxy.request;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.config.SettingsLoader;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.FaultProxy;
import org.climatehealth.pipeline.testing.FaultProxy.Kind;
import org.climatehealth.pipeline.testing.FaultProxy.Rule;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Object-store faults (issue 7): a WireMock {@link FaultProxy} between the jobs and S3Proxy
 * injects 503 SlowDown, 500 InternalError, reset connections, garbled and malformed answers and
 * slow answers. Faults that fit in the retry budget leave the output identical to a fault-free
 * run's (the same commands on the same raw files on local disk); faults that outlast it fail the
 * run with exit 1 and one clear line, and leave what an earlier run published exactly as it was.
 *
 * <p>Retry intervals are shortened with {@code --conf} (10 ms base, 100 ms cap) so that the test
 * is quick; the attempts are the shipped defaults.
 */
@ExtendWith(S3ProxyExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class S3FaultsIT {
  private static final String DATE = "2023-07-29";
  private static final String OTHER_DATE = "2023-07-28";
  private static final List<String> TABLES = List.of("processed/climate", "processed/health", "processed/hospital",
      "processed/locations", "processed/daily_location", "predictions/date=" + DATE, "forecasts/date=" + DATE,
      "alerts/date=" + DATE);
  private static final List<String> QUICK_RETRIES = List.of(
      "pipeline.s3.retry.interval=10ms", "pipeline.s3.retry.max-backoff=100ms",
      "pipeline.s3.retry.throttle-interval=10ms");

  private static S3ProxyServer s3;
  private static FaultProxy proxy;
  private static SparkSession spark;
  @TempDir static Path localStores;
  /** The fault-free run: raw, processed and models on local disk. */
  private static Stores clean;
  /** The same on S3, through the fault proxy. */
  private static Stores faulty;

  /** The stores of one run; {@code bucket} and {@code endpoint} null for local disk. */
  record Stores(String raw, String processed, String models, String bucket, String endpoint) {
    static Stores local(Path dir) {
      return new Stores("file:" + dir.resolve("raw"), "file:" + dir.resolve("processed"), "file:" + dir.resolve("models"),
          null, null);
    }

    static Stores s3(String bucket, String modelsBucket, String endpoint) {
      return new Stores("s3://" + bucket + "/raw-store", "s3://" + bucket + "/processed-store", "s3://" + modelsBucket,
          bucket, endpoint);
    }

    List<String> conf() {
      List<String> conf = new ArrayList<>(List.of(
          "pipeline.stores.raw=" + raw, "pipeline.stores.processed=" + processed, "pipeline.stores.models=" + models,
          "pipeline.models.approval=auto",
          // this test is about storage, not model quality: 4 locations give too small a hold-out to gate on
          "pipeline.models.risk.min-roc-auc=0", "pipeline.models.forecast.max-mae-ratio=1000",
          "pipeline.models.risk.holdout-days=28", "pipeline.models.forecast.holdout-days=28",
          "pipeline.models.risk.backtest-origins=1", "pipeline.models.forecast.backtest-origins=1"));
      conf.addAll(TestSettings.QUICK_MODELS);
      if (endpoint != null) {
        conf.addAll(List.of("pipeline.s3.endpoint=" + endpoint, "pipeline.s3.path-style-access=true"));
        conf.addAll(QUICK_RETRIES);
      }
      return conf;
    }

    /** The processed store as Spark reads it, with a final slash. */
    String tables() {
      return (bucket == null ? processed : "s3a://" + bucket + "/processed-store") + "/";
    }
  }

  @BeforeAll
  static void start(S3ProxyServer server) {
    s3 = server;
    proxy = FaultProxy.startWithJournal(s3.endpoint());
    clean = Stores.local(localStores);
    faulty = Stores.s3(s3.newBucket(), s3.newBucket(), proxy.endpoint());
    List<String> sparkConf = new ArrayList<>(faulty.conf());
    sparkConf.addAll(List.of("spark.ui.enabled=false", "spark.sql.shuffle.partitions=2",
        "pipeline.spark.master=local[2]"));
    // one session for every command (they join it); each bucket is reached through one endpoint only,
    // so S3A's cached file system of a bucket keeps the endpoint it was first opened with (the
    // clean run's stores are on local disk)
    spark = SparkSessions.create(new SettingsLoader(Path.of("conf")).load("local", sparkConf), "s3-faults-it");
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    TestSpark.stopActive();
  }

  @Test
  @Order(0)
  void everyStorageOperationSurvivesEachKindOfFault() throws Exception {
    String bucket = s3.newBucket();
    S3Settings settings = s3.s3Settings().withRetry(new S3Settings.Retry(java.time.Duration.ofMillis(10),
        java.time.Duration.ofMillis(100), 7, java.time.Duration.ofMillis(10), 20, true,
        java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(30)));
    S3Settings viaProxy = new S3Settings(java.util.Optional.of(java.net.URI.create(proxy.endpoint())),
        true, settings.region(), settings.multipartThreshold(), settings.multipartPartSize(), 5,
        settings.retry(), settings.encryption());
    for (Kind kind : Kind.values()) {
      int before = proxy.injected(kind);
      // a malformed chunk follows a 200 status line: only where the body is the answer (an object
      // GET), as a 200 to a PUT that never reached the server would tell the client a lie no server
      // tells. (A listing's body cut short escapes SDK 2.29's retries as an UncheckedIOException.)
      proxy.rules(switch (kind) {
        case SLOW -> Rule.slowEveryNth(2, 50, "every 2nd answer 50 ms late", r -> true);
        case MALFORMED_CHUNK -> Rule.everyNth(kind, 2, "malformed chunk in every 2nd object GET", objectGet());
        // bursts: 3 requests in a row fail, the 4th passes (5 attempts per request here)
        default -> Rule.bursts(kind, 3, 4, kind + " on 3 of every 4 requests, in a row", r -> true);
      });
      try (S3Clients clients = new S3Clients(viaProxy)) {
        Storage store = new S3Storage(StoreUri.parse("s3://" + bucket + "/" + kind), clients);
        for (int i = 0; i < 4; i++) {
          store.writeBytes("a/" + i + ".txt", ("object " + i).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(store.list("a/")).as(kind.toString()).hasSize(4);
        for (int i = 0; i < 4; i++) {
          assertThat(store.readBytes("a/" + i + ".txt")).as(kind.toString()).asString(StandardCharsets.UTF_8)
              .isEqualTo("object " + i);
        }
        store.move("a/3.txt", "b/3.txt");
        assertThat(store.exists("a/3.txt")).isFalse();
        assertThat(store.createIfAbsent("c.txt", new byte[] {1})).isTrue();
        assertThat(store.deletePrefix("a/")).isEqualTo(3);
        assertThat(store.list("")).as(kind.toString()).extracting(ObjectInfo::key)
            .containsExactly("b/3.txt", "c.txt");
      } catch (RuntimeException e) {
        throw new AssertionError(kind + ": " + e, e);
      }
      assertThat(proxy.injected(kind)).as(kind.toString()).isGreaterThan(before);
    }
    proxy.rules();
  }

  /**
   * SSE-KMS with a key id: every write the SDK layer makes (PutObject, an upload in parts, the copy
   * of a move, a folder marker, a conditional create) and every write of S3A (through Spark with
   * the magic committer) carries the encryption headers; upload parts carry none (S3 takes them from
   * CreateMultipartUpload). S3Proxy refuses them (501 NotImplemented: "Server-side encryption is
   * not supported"), so the proxy records each request in its journal with the headers and passes
   * it on without them, to an S3Proxy without authorization (the dropped headers were signed): the
   * proof is in the requests as the clients sent them.
   */
  @Test
  @Order(0)
  void everyWriteCarriesTheServerSideEncryptionHeaders(@TempDir Path dir) throws Exception {
    String key = "alias/pipeline-test";
    try (S3ProxyServer open = S3ProxyServer.startWithoutAuthorization();
        FaultProxy journal = FaultProxy.startWithJournal(open.endpoint(),
            "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id")) {
      String bucket = open.newBucket();
      String sparkBucket = open.newBucket();
      S3Settings settings = new S3Settings(java.util.Optional.of(java.net.URI.create(journal.endpoint())), true,
          s3.region(), s3.s3Settings().multipartThreshold(), s3.s3Settings().multipartPartSize(), 3,
          S3Settings.Retry.DEFAULT,
          new S3Settings.Encryption(S3Settings.Algorithm.SSE_KMS, java.util.Optional.of(key)));
      Path big = dir.resolve("big.bin");
      byte[] content = new byte[6 * 1024 * 1024 + 17];
      new java.util.Random(7).nextBytes(content);
      java.nio.file.Files.write(big, content);
      try (S3Clients clients = new S3Clients(settings)) {
        Storage store = new S3Storage(StoreUri.parse("s3://" + bucket + "/sse"), clients);
        store.writeBytes("small.txt", "small".getBytes(StandardCharsets.UTF_8));
        store.uploadFile(big, "big.bin");
        store.move("small.txt", "moved/small.txt");
        store.createFolder("folder");
        assertThat(store.createIfAbsent("once.json", "{}".getBytes(StandardCharsets.UTF_8))).isTrue();
        // S3Proxy took the requests: the objects are there, whole
        assertThat(store.readBytes("big.bin")).isEqualTo(content);
        assertThat(store.readText("moved/small.txt")).isEqualTo("small");
      }

      // S3A through the same proxy, for this bucket only (per-bucket options)
      org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      Map<String, String> perBucket = new TreeMap<>();
      org.climatehealth.pipeline.spark.SparkStoreConfig.hadoopOptions(new SettingsLoader(Path.of("conf")).load("local",
          List.of("pipeline.stores.processed=s3://" + sparkBucket, "pipeline.s3.endpoint=" + journal.endpoint(),
              "pipeline.s3.path-style-access=true", "pipeline.s3.encryption.algorithm=SSE-KMS",
              "pipeline.s3.encryption.kms-key-id=" + key)))
          .forEach((name, value) -> {
            if (name.startsWith("fs.s3a.")) {
              perBucket.put("fs.s3a.bucket." + sparkBucket + "." + name.substring("fs.s3a.".length()), value);
            }
          });
      perBucket.forEach(hadoop::set);
      spark.range(0, 1000).toDF("n").repartition(2).write().parquet("s3a://" + sparkBucket + "/table");
      assertThat(spark.read().parquet("s3a://" + sparkBucket + "/table").count()).isEqualTo(1000);

      List<com.github.tomakehurst.wiremock.verification.LoggedRequest> writes = journal.requests().stream()
          .filter(r -> r.getMethod().getName().equals("PUT") && !r.getUrl().contains("partNumber=")
              || r.getMethod().getName().equals("POST") && r.getUrl().contains("?uploads"))
          .toList();
      List<String> sdkWrites = writes.stream().map(r -> r.getUrl()).filter(u -> u.startsWith("/" + bucket + "/")).toList();
      List<String> s3aWrites = writes.stream().map(r -> r.getUrl()).filter(u -> u.startsWith("/" + sparkBucket + "/")).toList();
      System.out.printf("S3FaultsIT: SSE-KMS on %d SDK writes and %d S3A writes%n", sdkWrites.size(), s3aWrites.size());
      assertThat(sdkWrites).anyMatch(u -> u.endsWith("/sse/small.txt"))
          .anyMatch(u -> u.contains("/sse/big.bin?uploads"))
          .anyMatch(u -> u.endsWith("/sse/moved/small.txt"))
          .anyMatch(u -> u.endsWith("/sse/folder/"))
          .anyMatch(u -> u.endsWith("/sse/once.json"));
      assertThat(writes.stream().filter(r -> r.containsHeader("x-amz-copy-source"))).hasSize(1);
      assertThat(s3aWrites).anyMatch(u -> u.contains(".parquet")).anyMatch(u -> u.contains("_SUCCESS"));
      for (var write : writes) {
        assertThat(write.getHeader("x-amz-server-side-encryption")).as(write.getMethod() + " " + write.getUrl())
            .isEqualTo("aws:kms");
        assertThat(write.getHeader("x-amz-server-side-encryption-aws-kms-key-id")).as(write.getUrl()).isEqualTo(key);
      }
      assertThat(journal.requests()).filteredOn(r -> r.getUrl().contains("partNumber=")).isNotEmpty()
          .allSatisfy(part -> assertThat(part.containsHeader("x-amz-server-side-encryption")).isFalse());
      perBucket.keySet().forEach(hadoop::unset);
    }
  }

  @Test
  @Order(1)
  void processTrainAndPredictThroughFaultsGiveTheOutputOfAFaultFreeRun() throws Exception {
    assertThat(run(clean, "generate", "--locations", "4", "--days", "120", "--start-date", "2023-04-01").exitCode()).isZero();
    upload(localStores.resolve("raw"), faulty.bucket(), "raw-store/");

    Map<Kind, Integer> before = proxy.injected();
    for (Stores stores : List.of(clean, faulty)) {
      if (stores == faulty) {
        // SlowDown is the sparsest and comes alone: the SDK client inside S3A backs off a throttled
        // request by the SDK's own throttling delay (hundreds of ms, which S3A does not expose,
        // doubling for each one in a row), so each costs real time; 500s come in bursts of 3 (bursts
        // of SlowDown are in everyStorageOperationSurvivesEachKindOfFault)
        proxy.rules(
            Rule.everyNth(Kind.SLOW_DOWN, 29, "503 SlowDown on every 29th request", r -> true),
            Rule.bursts(Kind.INTERNAL_ERROR, 3, 39, "500 on 3 requests in a row, every 39 requests", r -> true),
            Rule.everyNth(Kind.CONNECTION_RESET, 17, "reset on every 17th request", r -> true),
            Rule.everyNth(Kind.GARBLED, 11, "garbled answer to every 11th request", r -> true),
            Rule.slowEveryNth(19, 150, "every 19th answer 150 ms late", r -> true));
      }
      long started = System.nanoTime();
      CliRun process = run(stores, "process", "--run-id", "faults-process");
      assertThat(process.exitCode()).as(process.err()).isZero();
      CliRun train = run(stores, "train", "--model", "risk,forecast", "--run-id", "faults-train");
      assertThat(train.exitCode()).as(train.err()).isZero();
      CliRun predict = run(stores, "predict", "--date", DATE, "--run-id", "faults-predict");
      assertThat(predict.exitCode()).as(predict.err()).isZero();
      System.out.printf("S3FaultsIT: %s run %.1f s, %d requests through the proxy, faults %s%n",
          stores == faulty ? "faulty" : "clean", (System.nanoTime() - started) / 1e9, proxy.requestsSeen(),
          proxy.injected());
    }
    proxy.rules();
    Map<Kind, Integer> injected = proxy.injected();
    // malformed chunks are left to everyStorageOperationSurvivesEachKindOfFault: WireMock sends them
    // with headers of its own (no ETag, which S3A's change detection requires), and the jobs' stream
    // readers (raw headers) do not read a body that breaks off again
    for (Kind kind : List.of(Kind.SLOW_DOWN, Kind.INTERNAL_ERROR, Kind.CONNECTION_RESET, Kind.GARBLED, Kind.SLOW)) {
      assertThat(injected.get(kind) - before.get(kind)).as("%s faults injected", kind).isPositive();
    }

    for (String table : TABLES) {
      List<String> expected = rows(clean.tables() + table);
      // every table has rows, but the day's alerts (none of 4 locations at HIGH risk that day)
      assertThat(expected.isEmpty()).as(table + " empty").isEqualTo(table.startsWith("alerts/"));
      assertThat(rows(faulty.tables() + table)).as(table).containsExactlyElementsOf(expected);
    }
    for (String model : List.of("risk", "forecast")) {
      assertThat(metadata(faulty, model)).as(model).isEqualTo(metadata(clean, model));
    }
    // nothing left over: no staging, no publish journal, no pending uploads
    assertThat(snapshot(faulty.bucket(), "processed-store/").keySet())
        .noneMatch(k -> k.contains("_staging/") || k.contains("_publish/") || k.contains("__magic"));
    assertThat(s3.client().listMultipartUploads(b -> b.bucket(faulty.bucket())).uploads()).isEmpty();
  }

  @Test
  @Order(2)
  void faultsThatOutlastTheRetryBudgetFailTheRunCleanlyAndLeaveEarlierOutputIntact() {
    List<String> tight = List.of("pipeline.s3.max-attempts=2");
    Map<String, String> before = snapshot(faulty.bucket(), "processed-store/");
    assertThat(before).isNotEmpty();

    // the publish phase: every write of the publish journal answers 500, whatever the retries
    int failed = proxy.injected(Kind.INTERNAL_ERROR);
    proxy.rules(Rule.always(Kind.INTERNAL_ERROR, "500 on the publish journal", request("PUT", "/_publish/")));
    CliRun journal = run(faulty, tight, "predict", "--date", OTHER_DATE, "--run-id", "faults-journal");
    assertCleanFailure(journal, "_publish/faults-journal.json");
    // both attempts of the journal's PutObject
    assertThat(proxy.injected(Kind.INTERNAL_ERROR) - failed).isGreaterThanOrEqualTo(2);
    // nothing published changed and nothing was added: no partition, no staging, no journal
    assertThat(snapshot(faulty.bucket(), "processed-store/")).isEqualTo(before);
    proxy.rules();
  }

  /** Exit 1, and the first line of stderr says what failed where, with no stack trace and no secret. */
  private static void assertCleanFailure(CliRun run, String where) {
    assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
    String first = run.errLines().get(0);
    System.out.println("S3FaultsIT: failure line: " + first);
    assertThat(first).startsWith("error: ").contains(where).doesNotContain(s3.secretKey()).doesNotContain("\tat ");
    assertThat(run.err()).doesNotContain(s3.secretKey()).doesNotContain(s3.accessKey());
    assertThat(run.out()).doesNotContain(s3.secretKey());
  }

  /** Every object under {@code prefix} with its ETag and size, run reports left out (a failed run writes one). */
  private static Map<String, String> snapshot(String bucket, String prefix) {
    Map<String, String> objects = new TreeMap<>();
    for (S3Object object : s3.client().listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix)).contents()) {
      if (!object.key().contains("/_runs/")) {
        objects.put(object.key(), object.eTag() + " " + object.size());
      }
    }
    return objects;
  }

  /** The rows of a table, without run ids, as sorted JSON lines. */
  private static List<String> rows(String path) {
    Dataset<Row> table = spark.read().parquet(path);
    for (String column : table.columns()) {
      if (column.equals("run_id")) {
        table = table.drop(column);
      }
    }
    return table.toJSON().collectAsList().stream().sorted().toList();
  }

  /** A model's registered metadata, without what differs between any two runs (times, run id). */
  private static ObjectNode metadata(Stores stores, String model) throws Exception {
    try (S3Clients clients = new S3Clients(s3.s3Settings())) {
      StoreUri uri = StoreUri.parse(stores.models());
      Storage models = uri.isS3() ? new S3Storage(uri, clients) : new LocalStorage(uri);
      List<String> versions = models.list("models/" + model + "/").stream().map(ObjectInfo::key)
          .filter(k -> k.endsWith("/metadata.json") && !k.contains("/model/")).toList();
      assertThat(versions).as(model + " versions").hasSize(1);
      ObjectNode node = (ObjectNode) new ObjectMapper().readTree(
          new String(models.readBytes(versions.get(0)), StandardCharsets.UTF_8));
      node.remove(List.of("created_at", "run_id", "approved_at"));
      roundDoubles(node);
      return node;
    }
  }

  /**
   * Metrics to 12 significant digits: Spark may sum in another order from one run to the next,
   * which moves the last bit of a double (seen: ROC AUC ...196 against ...195).
   */
  private static void roundDoubles(com.fasterxml.jackson.databind.JsonNode node) {
    if (node instanceof ObjectNode object) {
      List<String> names = new java.util.ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        com.fasterxml.jackson.databind.JsonNode child = object.get(name);
        if (child.isDouble() || child.isFloat()) {
          object.put(name, new java.math.BigDecimal(child.doubleValue())
              .round(new java.math.MathContext(12)).doubleValue());
        } else {
          roundDoubles(child);
        }
      }
    } else if (node instanceof com.fasterxml.jackson.databind.node.ArrayNode array) {
      array.forEach(S3FaultsIT::roundDoubles);
    }
  }

  /** Every file under {@code dir} to {@code bucket}, at {@code prefix} + its path in {@code dir}. */
  private static void upload(Path dir, String bucket, String prefix) throws java.io.IOException {
    try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir)) {
      for (Path file : files.filter(java.nio.file.Files::isRegularFile).toList()) {
        String key = prefix + dir.relativize(file).toString().replace(java.io.File.separatorChar, '/');
        s3.client().putObject(b -> b.bucket(bucket).key(key), file);
      }
    }
  }

  private static CliRun run(Stores stores, String... command) {
    return run(stores, List.of(), command);
  }

  private static CliRun run(Stores stores, List<String> extra, String... command) {
    List<String> args = new ArrayList<>(Arrays.asList(command));
    for (String conf : stores.conf()) {
      args.addAll(List.of("--conf", conf));
    }
    for (String conf : extra) {
      args.addAll(List.of("--conf", conf));
    }
    return CliRun.of(args.toArray(String[]::new));
  }
}
