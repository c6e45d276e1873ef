package org.climatehealth.pipeline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.climatehealth.pipeline.config.SettingsLoader;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.FaultProxy;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each Glue job's policy ({@code jobs/iam/<job>-policy.json}) allows every S3 request the job
 * really makes, and grants nothing it does not use but a short, named list of actions for paths
 * this test does not take.
 *
 * <p>The jobs run in-process against S3Proxy behind a recording proxy ({@link FaultProxy} with a
 * journal and no rules), with the arguments their job files give ({@code --env aws}, the profile
 * read from the artifacts location on S3 as deploy-glue.sh uploads it, so that read is recorded
 * too; the {@code runtime} committer, which here is Spark 4.1's default with the cloud module: the
 * S3A magic committer) plus only what points them at the proxy and keeps Spark and the learners
 * small. The layout is the hardest for prefixes: raw at {@code s3://B1/raw-store}, the artifacts at
 * {@code s3://B1/glue/climate-health}, processed and models at {@code s3://B2/lake/processed} and
 * {@code s3://B2/lake/models}. Data: 4 generated locations x 120 days (generate is no Glue job: its
 * requests are not counted). Order: process, train, then {@code models approve} of risk and forecast
 * (the aws profile approves manually: an operator's step, not counted), predict, scan, run (which
 * finds the approved models and so does not train).
 *
 * <p>Every recorded request is mapped to the IAM actions S3 authorizes it by, with the resource ARN
 * (and for {@code s3:ListBucket} the {@code s3:prefix}); a request the mapping does not know fails
 * the test. A small evaluator ({@link #allows}) checks them against the rendered policy: Allow
 * statements, action and resource patterns with {@code *} and {@code ?}, and the one condition the
 * policies use, {@code StringLike s3:prefix}. Each Glue run is a fresh JVM, so S3A's file systems
 * are closed between the jobs: each job's record includes its file systems' first requests.
 */
@ExtendWith(S3ProxyExtension.class)
class JobRolePolicyIT {

  /** In the order they run. */
  private static final List<String> JOBS = List.of("process", "train", "predict", "scan", "run");

  /**
   * A grant a job's policy makes that this test does not see used: the job, the statement (Sid), the
   * action, why it is there, and the job whose record shows the same code using it (or null).
   */
  private record Unused(String job, String sid, String action, String reason, String provenBy) {}

  private static final String RECOVERY = "recovery of a run killed mid-publish aborts its pending multipart uploads "
      + "under _staging/ (CrashRecoveryIT, TrainPredictS3IT), as the committer aborts a failed write's; "
      + "nothing failed here";

  private static final List<Unused> UNUSED = List.of(
      new Unused("*", "GlueJobLogs", "logs:CreateLogGroup", "Glue writes the job run's CloudWatch logs; not S3", null),
      new Unused("*", "GlueJobLogs", "logs:CreateLogStream", "Glue writes the job run's CloudWatch logs; not S3", null),
      new Unused("*", "GlueJobLogs", "logs:PutLogEvents", "Glue writes the job run's CloudWatch logs; not S3", null),
      new Unused("*", "ListArtifacts", "s3:ListBucket", "a job started before deploy-glue.sh uploaded conf/ reads a "
          + "missing aws.conf: S3 answers 404 (the job says there is no aws.conf, GlueProcessS3IT) only with "
          + "s3:ListBucket, else 403; here the profile is there", null),
      new Unused("process", "ReadWriteDeleteProcessedObjects", "s3:AbortMultipartUpload", RECOVERY, null),
      new Unused("train", "ReadWriteDeleteProcessedObjects", "s3:AbortMultipartUpload", RECOVERY, null),
      new Unused("predict", "ReadWriteDeleteProcessedObjects", "s3:AbortMultipartUpload", RECOVERY, null),
      new Unused("run", "ReadWriteDeleteProcessedObjects", "s3:AbortMultipartUpload", RECOVERY, null),
      new Unused("train", "ReadWriteDeleteModelsObjects", "s3:AbortMultipartUpload", "a failed training: the "
          + "committer aborts the model write's pending uploads and ModelRegistry.abandon deletes the version "
          + "folder, aborting what is left; every training here passed", null),
      new Unused("run", "ReadWriteDeleteModelsObjects", "s3:AbortMultipartUpload", "as for train: a failed "
          + "training's clean-up", null),
      new Unused("run", "ReadWriteDeleteModelsObjects", "s3:PutObject", "run trains a model that has no approved "
          + "version; here both are approved, so it does not (the train job's record shows TrainJob's writes)",
          "train"),
      new Unused("run", "ReadWriteDeleteModelsObjects", "s3:DeleteObject", "as for s3:PutObject: the committer of a "
          + "model write deletes its own work files", "train"),
      new Unused("scan", "ReadWriteRawManifests", "s3:GetObject", "scan compares the listing with the newest "
          + "earlier manifest; this test's scan is the first (ScanS3IT compares two)", null));

  private static FaultProxy proxy;
  private static Map<String, String> values;
  private static final Map<String, List<FaultProxy.Exchange>> RECORDED = new LinkedHashMap<>();
  private static final Map<String, List<Use>> USES = new LinkedHashMap<>();

  @BeforeAll
  static void runEveryJob(S3ProxyServer s3) throws Exception {
    TestSpark.stopActive(); // a session keeps the committer it started with
    long begin = System.nanoTime();
    String b1 = s3.newBucket();
    String b2 = s3.newBucket();
    proxy = FaultProxy.startWithJournal(s3.endpoint());
    Map<String, String> given = new LinkedHashMap<>();
    given.put("ARTIFACTS", "s3://" + b1 + "/glue/climate-health");
    given.put("ROLE_ARN", "arn:aws:iam::123456789012:role/climate-health-glue");
    given.put("RAW_STORE", "s3://" + b1 + "/raw-store");
    given.put("PROCESSED_STORE", "s3://" + b2 + "/lake/processed");
    given.put("MODELS_STORE", "s3://" + b2 + "/lake/models");
    given.put("REGION", s3.region());
    values = GlueJobs.values(given);

    // what points the jobs at the proxy and keeps the run small; nothing else is added to a job's arguments
    List<String> small = new ArrayList<>(List.of(
        "--conf", "pipeline.s3.endpoint=" + proxy.endpoint(), "--conf", "pipeline.s3.path-style-access=true",
        // this test is about requests, not model quality: 4 locations give too small a hold-out to gate on
        "--conf", "pipeline.models.risk.min-roc-auc=0", "--conf", "pipeline.models.forecast.max-mae-ratio=1000",
        "--conf", "pipeline.models.risk.holdout-days=28", "--conf", "pipeline.models.forecast.holdout-days=28",
        "--conf", "pipeline.models.risk.backtest-origins=1", "--conf", "pipeline.models.forecast.backtest-origins=1",
        "--conf", "pipeline.spark.master=local[2]", "--conf", "spark.ui.enabled=false",
        "--conf", "spark.sql.shuffle.partitions=2"));
    small.addAll(TestSettings.quickModelOptions());
    // the non-Glue steps (generate, models approve) with the same profile and stores
    List<String> operator = new ArrayList<>(List.of("--env", "aws", "--conf-dir", values.get("ARTIFACTS") + "/conf",
        "--conf", "pipeline.stores.raw=" + values.get("RAW_STORE"),
        "--conf", "pipeline.stores.processed=" + values.get("PROCESSED_STORE"),
        "--conf", "pipeline.stores.models=" + values.get("MODELS_STORE")));
    operator.addAll(small);

    // one session for the class, with the committer the job files ask for
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i + 1 < operator.size(); i++) {
      if (operator.get(i).equals("--conf")) {
        overrides.add(operator.get(++i));
      }
    }
    overrides.add("pipeline.spark.s3-committer=runtime");
    SparkSessions.create(new SettingsLoader(Path.of("conf")).load("local", overrides), "JobRolePolicyIT");

    // what deploy-glue.sh uploads next to the jar: conf/*.conf
    try (S3Clients clients = new S3Clients(s3.s3Settings())) {
      Storage artifacts = new S3Storage(StoreUri.parse(values.get("ARTIFACTS")), clients);
      try (Stream<Path> confs = Files.list(Path.of("conf"))) {
        for (Path file : confs.filter(p -> p.toString().endsWith(".conf")).toList()) {
          artifacts.writeText("conf/" + file.getFileName(), Files.readString(file));
        }
      }
    }
    CliRun generate = run(List.of("generate", "--locations", "4", "--days", "120", "--start-date", "2023-04-01"),
        operator);
    assertThat(generate.exitCode()).as(generate.err()).isZero();

    for (String job : JOBS) {
      JsonNode definition = GlueJobs.render(GlueJobs.read(Path.of("jobs", job + ".json")), values);
      List<String> args = new ArrayList<>(Arrays.asList(GlueJobFilesTest.glueCommandLine(definition)));
      args.addAll(List.of("--run-id", "iam-" + job));
      FileSystem.closeAll(); // a Glue run starts in a fresh JVM
      proxy.clearJournal();
      long start = System.nanoTime();
      CliRun ran = run(args, small);
      double seconds = (System.nanoTime() - start) / 1e9;
      List<FaultProxy.Exchange> exchanges = proxy.exchanges();
      assertThat(ran.exitCode()).as(job + ": " + ran.err() + ran.out()).isZero();
      RECORDED.put(job, exchanges);
      List<Use> uses = new ArrayList<>();
      exchanges.forEach(e -> uses.addAll(uses(e)));
      USES.put(job, uses);
      JsonNode policy = policy(job);
      Set<String> used = new TreeSet<>(uses.stream().map(Use::action).toList());
      Set<String> granted = new TreeSet<>();
      policy.get("Statement").forEach(s -> granted.addAll(strings(s.get("Action"))));
      System.out.printf("JobRolePolicyIT %-7s %5d S3 requests in %5.1f s; %d actions used %s; the policy grants %d%n",
          job, exchanges.size(), seconds, used.size(), used, granted.size());
      if (job.equals("train")) {
        proxy.clearJournal();
        for (String model : List.of("risk", "forecast")) {
          CliRun approve = run(List.of("models", "approve", model, "1", "--by", "JobRolePolicyIT"), operator);
          assertThat(approve.exitCode()).as(approve.err()).isZero();
        }
      }
    }
    System.out.printf("JobRolePolicyIT: five jobs recorded in %.1f s%n", (System.nanoTime() - begin) / 1e9);
  }

  @AfterAll
  static void stop() {
    TestSpark.stopActive();
    if (proxy != null) {
      proxy.close();
    }
  }

  private static CliRun run(List<String> command, List<String> more) {
    List<String> args = new ArrayList<>(command);
    args.addAll(more);
    return CliRun.of(args.toArray(String[]::new));
  }

  private static JsonNode policy(String job) {
    return GlueJobs.render(GlueJobs.read(Path.of("jobs").resolve(GlueJobs.policyFile(job))), values);
  }

  @ParameterizedTest
  @ValueSource(strings = {"process", "train", "predict", "scan", "run"})
  void thePolicyAllowsEveryRequestTheJobMade(String job) {
    JsonNode policy = policy(job);
    assertThat(RECORDED.get(job)).as(job + " made requests").isNotEmpty();
    List<String> denied = new ArrayList<>();
    for (Use use : USES.get(job)) {
      if (!allows(policy, use)) {
        denied.add(use.action() + " on " + use.arn() + (use.prefix() == null ? "" : " (s3:prefix " + use.prefix() + ")")
            + " for " + use.request());
      }
    }
    assertThat(denied).as(job + "'s policy denies these").isEmpty();
    // and nothing beyond the job's stores and artifacts was asked for
    Set<String> buckets = Set.of(values.get("RAW_BUCKET"), values.get("PROCESSED_BUCKET"));
    assertThat(USES.get(job)).allSatisfy(u -> assertThat(u.arn().replace("arn:aws:s3:::", "").split("/")[0])
        .isIn(buckets));
  }

  @ParameterizedTest
  @ValueSource(strings = {"process", "train", "predict", "scan", "run"})
  void thePolicyGrantsNothingTheJobDidNotUseButTheNamedExceptions(String job) {
    JsonNode policy = policy(job);
    List<String> unexplained = new ArrayList<>();
    Set<Unused> explained = new HashSet<>();
    for (JsonNode statement : policy.get("Statement")) {
      String sid = statement.get("Sid").textValue();
      for (String action : strings(statement.get("Action"))) {
        for (String resource : strings(statement.get("Resource"))) {
          boolean used = USES.get(job).stream().anyMatch(u -> u.action().equals(action) && matches(resource, u.arn())
              && conditionHolds(statement, u));
          if (used) {
            continue;
          }
          Unused reason = UNUSED.stream().filter(x -> (x.job().equals("*") || x.job().equals(job))
              && x.sid().equals(sid) && x.action().equals(action)).findFirst().orElse(null);
          if (reason == null) {
            unexplained.add(sid + ": " + action + " on " + resource);
            continue;
          }
          explained.add(reason);
          if (reason.provenBy() != null) {
            assertThat(USES.get(reason.provenBy())).as(reason.provenBy() + " uses " + action + " on " + resource)
                .anyMatch(u -> u.action().equals(action) && matches(resource, u.arn()));
          }
        }
      }
    }
    assertThat(unexplained).as(job + "'s policy grants these, and the job did not use them").isEmpty();
    // the list stays honest: an exception the job does use, or whose grant is gone, is removed from it
    List<Unused> stale = UNUSED.stream().filter(x -> x.job().equals(job) && !explained.contains(x)).toList();
    assertThat(stale).as("exceptions for " + job + " that are not unused grants of its policy").isEmpty();
  }

  // ----- what a request needs -----

  /** One permission a request needs: the action, the resource ARN, and for s3:ListBucket the s3:prefix (or null). */
  record Use(String action, String arn, String prefix, String request) {}

  /** Query parameters of the S3 calls the jobs make; any other fails the mapping. */
  private static final Set<String> KNOWN_QUERY = Set.of("x-id", "list-type", "prefix", "delimiter", "max-keys",
      "continuation-token", "encoding-type", "fetch-owner", "start-after", "uploads", "uploadId", "partNumber",
      "location", "delete", "key-marker", "upload-id-marker", "max-uploads");
  private static final Pattern KEY = Pattern.compile("<Key>(.*?)</Key>", Pattern.DOTALL);

  /**
   * The permissions S3 checks for one path-style request ({@code /bucket/key?query}): GET or HEAD
   * of an object: s3:GetObject, and when the answer is 404 also s3:ListBucket with the key as
   * s3:prefix (without it S3 answers 403, and the storage layer would not see a missing object); a
   * listing: s3:ListBucket with its prefix; {@code ?uploads} on the bucket:
   * s3:ListBucketMultipartUploads; {@code ?location}: s3:GetBucketLocation; HEAD of the bucket:
   * s3:ListBucket; PUT of an object, a copy ({@code x-amz-copy-source}: s3:GetObject on the source
   * as well), starting, uploading a part of and completing a multipart upload: s3:PutObject; GET
   * {@code ?uploadId}: s3:ListMultipartUploadParts; DELETE {@code ?uploadId}:
   * s3:AbortMultipartUpload; DELETE of an object, and each key of a POST {@code ?delete}:
   * s3:DeleteObject. Anything else fails, naming the request.
   */
  static List<Use> uses(FaultProxy.Exchange exchange) {
    LoggedRequest r = exchange.request();
    String method = r.getMethod().getName();
    String url = r.getUrl();
    String line = method + " " + url + " -> " + exchange.status();
    int q = url.indexOf('?');
    String path = decode(q < 0 ? url : url.substring(0, q));
    Map<String, String> query = new TreeMap<>();
    if (q >= 0) {
      for (String pair : url.substring(q + 1).split("&")) {
        if (!pair.isEmpty()) {
          int eq = pair.indexOf('=');
          query.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
      }
    }
    Set<String> unknown = new TreeSet<>(query.keySet());
    unknown.removeAll(KNOWN_QUERY);
    if (!unknown.isEmpty()) {
      fail("unmapped request (query " + unknown + "): " + line);
    }
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    int slash = trimmed.indexOf('/');
    String bucket = slash < 0 ? trimmed : trimmed.substring(0, slash);
    String key = slash < 0 ? "" : trimmed.substring(slash + 1);
    String bucketArn = "arn:aws:s3:::" + bucket;
    String objectArn = bucketArn + "/" + key;
    boolean upload = query.containsKey("uploadId");
    List<Use> uses = new ArrayList<>();
    if (key.isEmpty()) {
      if (method.equals("HEAD")) {
        uses.add(new Use("s3:ListBucket", bucketArn, null, line));
      } else if (method.equals("GET") && query.containsKey("uploads")) {
        uses.add(new Use("s3:ListBucketMultipartUploads", bucketArn, null, line));
      } else if (method.equals("GET") && query.containsKey("location")) {
        uses.add(new Use("s3:GetBucketLocation", bucketArn, null, line));
      } else if (method.equals("GET") && !upload) {
        uses.add(new Use("s3:ListBucket", bucketArn, query.get("prefix"), line));
      } else if (method.equals("POST") && query.containsKey("delete")) {
        Matcher m = KEY.matcher(r.getBodyAsString());
        while (m.find()) {
          uses.add(new Use("s3:DeleteObject", bucketArn + "/" + unescapeXml(m.group(1)), null, line));
        }
      }
    } else if ((method.equals("GET") || method.equals("HEAD")) && upload) {
      uses.add(new Use("s3:ListMultipartUploadParts", objectArn, null, line));
    } else if ((method.equals("GET") || method.equals("HEAD")) && !query.containsKey("uploads")) {
      uses.add(new Use("s3:GetObject", objectArn, null, line));
      if (exchange.status() == 404) {
        uses.add(new Use("s3:ListBucket", bucketArn, key, line));
      }
    } else if (method.equals("PUT") && !query.containsKey("uploads")) {
      uses.add(new Use("s3:PutObject", objectArn, null, line));
      String source = r.getHeader("x-amz-copy-source");
      if (source != null) {
        String decoded = decode(source.split("\\?", 2)[0]);
        uses.add(new Use("s3:GetObject", "arn:aws:s3:::" + (decoded.startsWith("/") ? decoded.substring(1) : decoded),
            null, line));
      }
    } else if (method.equals("POST") && (upload || query.containsKey("uploads"))) {
      uses.add(new Use("s3:PutObject", objectArn, null, line));
    } else if (method.equals("DELETE")) {
      uses.add(new Use(upload ? "s3:AbortMultipartUpload" : "s3:DeleteObject", objectArn, null, line));
    }
    if (uses.isEmpty()) {
      fail("unmapped request: " + line);
    }
    return uses;
  }

  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String unescapeXml(String text) {
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'")
        .replace("&amp;", "&");
  }

  // ----- the evaluator -----

  /** Whether an Allow statement of {@code policy} grants {@code use}. The policies have no Deny. */
  static boolean allows(JsonNode policy, Use use) {
    for (JsonNode statement : policy.get("Statement")) {
      assertThat(statement.get("Effect").textValue()).isEqualTo("Allow");
      assertThat(statement.has("NotAction") || statement.has("NotResource") || statement.has("NotPrincipal")).isFalse();
      if (strings(statement.get("Action")).stream().anyMatch(a -> matches(a, use.action()))
          && strings(statement.get("Resource")).stream().anyMatch(r -> matches(r, use.arn()))
          && conditionHolds(statement, use)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether a statement's Condition holds for {@code use}: none, or {@code StringLike} on
   * {@code s3:prefix}, which holds when the request has a prefix that matches one of the patterns
   * (a request without one, as HEAD of a bucket, does not satisfy it). Any other condition fails:
   * the evaluator would not know it.
   */
  static boolean conditionHolds(JsonNode statement, Use use) {
    JsonNode condition = statement.get("Condition");
    if (condition == null) {
      return true;
    }
    List<String> operators = new ArrayList<>();
    condition.fieldNames().forEachRemaining(operators::add);
    assertThat(operators).as("conditions the evaluator knows").containsExactly("StringLike");
    List<String> keys = new ArrayList<>();
    condition.get("StringLike").fieldNames().forEachRemaining(keys::add);
    assertThat(keys).as("condition keys the evaluator knows").containsExactly("s3:prefix");
    return use.prefix() != null
        && strings(condition.at("/StringLike/s3:prefix")).stream().anyMatch(p -> matches(p, use.prefix()));
  }

  private static boolean matches(String pattern, String value) {
    return GlueJobFilesTest.matches(pattern, value);
  }

  private static List<String> strings(JsonNode node) {
    return GlueJobFilesTest.strings(node);
  }
}
