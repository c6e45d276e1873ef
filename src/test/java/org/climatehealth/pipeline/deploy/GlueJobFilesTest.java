package org.climatehealth.pipeline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.climatehealth.pipeline.Main;
import org.climatehealth.pipeline.cli.CommonOptions;
import org.climatehealth.pipeline.cli.GlueArguments;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Every AWS Glue job definition in {@code jobs/} is a CreateJob request for a Glue 6.0 Scala job
 * whose arguments run the pipeline's main class: they parse through the Glue adapter to the same
 * request, and the same settings, as the command line a user would type. Each job runs as its own
 * role placeholder and has its own IAM policy, which grants exactly the actions that job needs on
 * each store (what {@code JobRolePolicyIT} records the jobs doing), lists only inside the stores'
 * prefixes, and never writes or deletes in raw.
 */
class GlueJobFilesTest {

  private static final Path JOBS = Path.of("jobs");
  private static final String MAIN = "org.climatehealth.pipeline.Main";

  /** Glue's own arguments for a job run (values as Glue 6.0 passes them); the job ignores them. */
  private static final List<String> GLUE_RUN_ARGS = List.of("--JOB_NAME", "climate-health-x", "--JOB_ID",
      "j_0f1e2d3c4b5a69788796a5b4c3d2e1f0", "--JOB_RUN_ID", "jr_00112233445566778899aabbccddeeff", "--TempDir",
      "s3://aws-glue-assets-123456789012-eu-west-2/temporary/", "--enable-metrics", "true");

  static Stream<Path> jobFiles() throws IOException {
    try (Stream<Path> files = Files.list(JOBS)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList().stream();
    }
  }

  private static Map<String, String> values() {
    return GlueJobs.values(GlueJobsTest.given());
  }

  private static JsonNode rendered(Path file, Map<String, String> values) {
    return GlueJobs.render(GlueJobs.read(file), values);
  }

  /** A rendered job's DefaultArguments, in the file's order. */
  static Map<String, String> defaultArguments(JsonNode job) {
    Map<String, String> args = new LinkedHashMap<>();
    job.get("DefaultArguments").fields().forEachRemaining(f -> args.put(f.getKey(), f.getValue().textValue()));
    return args;
  }

  @Test
  void thereIsOneJobPerCommandOfTheIssue() throws IOException {
    assertThat(jobFiles().map(f -> f.getFileName().toString()))
        .containsExactly("predict.json", "process.json", "run.json", "scan.json", "train.json");
    Set<String> names = new TreeSet<>();
    for (Path file : jobFiles().toList()) {
      JsonNode job = rendered(file, values());
      names.add(job.get("Name").textValue());
      String command = file.getFileName().toString().replace(".json", "");
      assertThat(job.get("Name").textValue()).isEqualTo("climate-health-" + command);
      assertThat(defaultArguments(job)).as(file.toString()).containsEntry("--command", command);
    }
    assertThat(names).hasSize(5);
  }

  @ParameterizedTest
  @MethodSource("jobFiles")
  void aGlue60ScalaJobOfTheMainClass(Path file) throws Exception {
    JsonNode template = GlueJobs.read(file);
    JsonNode job = GlueJobs.render(template, values());
    GlueJobs.checkJob(job);
    Map<String, String> args = defaultArguments(job);

    assertThat(job.at("/Command/Name").textValue()).isEqualTo("glueetl");
    assertThat(job.at("/Command/ScriptLocation").textValue())
        .isEqualTo("s3://deploy-bucket/glue/climate-health/glue/entry-point.scala");
    assertThat(job.get("GlueVersion").textValue()).isEqualTo("6.0");
    assertThat(job.get("Role").textValue()).isEqualTo("arn:aws:iam::123456789012:role/climate-health-glue");
    assertThat(job.get("WorkerType").textValue()).isIn("G.1X", "G.2X");
    assertThat(job.get("NumberOfWorkers").intValue()).isBetween(2, 10);
    assertThat(job.at("/ExecutionProperty/MaxConcurrentRuns").intValue()).isEqualTo(1);
    // minutes; Glue refuses 7 days (10080) or more and defaults to 48 hours
    assertThat(job.get("Timeout").isInt()).isTrue();
    assertThat(job.get("Timeout").intValue()).isBetween(1, 24 * 60);
    assertThat(job.has("MaxCapacity")).as("WorkerType and NumberOfWorkers, not MaxCapacity").isFalse();

    assertThat(args).containsEntry("--job-language", "scala")
        .containsEntry("--class", MAIN)
        .containsEntry("--extra-jars", "s3://deploy-bucket/glue/climate-health/climate-health-pipeline.jar")
        .containsEntry("--env", "aws")
        .containsEntry("--conf-dir", "s3://deploy-bucket/glue/climate-health/conf")
        .containsEntry("--pipeline.stores.raw", "s3://climate-raw")
        .containsEntry("--pipeline.stores.processed", "s3://climate-lake/processed")
        .containsEntry("--pipeline.stores.models", "s3://climate-lake/models")
        .containsEntry("--pipeline.s3.region", "eu-west-2")
        // Glue's own committer set-up stays (see SparkStoreConfig); GlueProcessS3IT runs with it
        .containsEntry("--pipeline.spark.s3-committer", "runtime");
    assertThat(args.values()).noneMatch(v -> v.contains("${"));

    Class<?> main = Class.forName(args.get("--class"));
    Method entry = main.getMethod("main", String[].class);
    assertThat(Modifier.isStatic(entry.getModifiers())).isTrue();
    assertThat(Main.createCommandLine().getSubcommands()).as("--command names a command of " + MAIN)
        .containsKey(args.get("--command"));

    // the template says where each deploy-time value goes, and nothing is hard-wired
    String text = Files.readString(file);
    String command = file.getFileName().toString().replace(".json", "");
    assertThat(template.get("Role").textValue()).as("each job runs as its own role")
        .isEqualTo("${" + GlueJobs.roleKey(command) + "}");
    for (String placeholder : List.of("${JOB_PREFIX}", "${ARTIFACTS}", "${RAW_STORE}",
        "${PROCESSED_STORE}", "${MODELS_STORE}", "${REGION}")) {
      assertThat(text).as(file + " uses " + placeholder).contains(placeholder);
    }
    assertThat(text).doesNotContain("s3://");
  }

  /** The command line a user types for the same job. */
  private static List<String> commandLine(String command, String confDir) {
    List<String> args = new ArrayList<>(List.of(command));
    if (command.equals("run")) {
      args.add("--if-changed"); // the scheduled main job skips when raw/ has not changed
    }
    args.addAll(List.of("--env", "aws", "--conf-dir", confDir,
        "--conf", "pipeline.stores.raw=s3://climate-raw",
        "--conf", "pipeline.stores.processed=s3://climate-lake/processed",
        "--conf", "pipeline.stores.models=s3://climate-lake/models",
        "--conf", "pipeline.s3.region=eu-west-2",
        "--conf", "pipeline.spark.s3-committer=runtime"));
    return args;
  }

  /**
   * The Glue job run's argument list: the job's DefaultArguments and Glue's own arguments, in an
   * order of {@code seed}'s choosing (Glue does not promise one).
   */
  private static String[] glueRun(JsonNode job, long seed) {
    List<List<String>> pairs = new ArrayList<>();
    defaultArguments(job).forEach((k, v) -> pairs.add(List.of(k, v)));
    for (int i = 0; i < GLUE_RUN_ARGS.size(); i += 2) {
      pairs.add(List.of(GLUE_RUN_ARGS.get(i), GLUE_RUN_ARGS.get(i + 1)));
    }
    Collections.shuffle(pairs, new Random(seed));
    return pairs.stream().flatMap(List::stream).toArray(String[]::new);
  }

  /** What a command line parses to: the command path and every matched option's value. */
  private record Request(Map<String, Object> options, Settings settings) {}

  /**
   * The ordinary command line that a Glue run of {@code job} amounts to: its DefaultArguments
   * among Glue's own, translated as the main class translates them ({@link GlueArguments}).
   */
  static String[] glueCommandLine(JsonNode job) {
    return GlueArguments.toCommandLine(Main.createCommandLine(), glueRun(job, 1));
  }

  private static Request request(String... args) {
    CommandLine commandLine = Main.createCommandLine();
    String[] cliArgs = GlueArguments.isGlueStyle(args) ? GlueArguments.toCommandLine(commandLine, args) : args;
    ParseResult result = commandLine.parseArgs(cliArgs);
    Map<String, Object> options = new LinkedHashMap<>();
    List<String> path = new ArrayList<>();
    CommonOptions common = null;
    for (ParseResult r = result.subcommand(); r != null; r = r.subcommand()) {
      path.add(r.commandSpec().name());
      for (OptionSpec option : r.matchedOptions()) {
        Object value = option.getValue();
        if (value instanceof List<?> list) {
          // --conf KEY=VALUE pairs with distinct keys: their order does not matter
          assertThat(list.stream().map(o -> o.toString().split("=", 2)[0])).doesNotHaveDuplicates();
          List<String> sorted = new ArrayList<>(list.stream().map(Object::toString).toList());
          Collections.sort(sorted);
          value = sorted;
        }
        options.put(option.longestName(), value);
      }
      options.put(r.commandSpec().name() + " positional", r.matchedPositionals().stream().map(p -> p.getValue()).toList());
      if (r.commandSpec().mixins().get("common") != null) {
        common = (CommonOptions) r.commandSpec().mixins().get("common").userObject();
      }
    }
    options.put("command", String.join(" ", path));
    assertThat(common).as("the command has the common options").isNotNull();
    Settings settings = common.settings();
    return new Request(options, settings);
  }

  @ParameterizedTest
  @MethodSource("jobFiles")
  void theGlueRunParsesToTheSameRequestAndSettingsAsTheCommandLine(Path file, @TempDir Path dir) throws Exception {
    // the artifacts location as a local directory, so that the settings load without S3; the
    // configuration there is what deploy-glue.sh uploads: conf/*.conf
    Path artifacts = dir.resolve("artifacts");
    Files.createDirectories(artifacts.resolve("conf"));
    try (Stream<Path> confs = Files.list(Path.of("conf"))) {
      for (Path conf : confs.filter(p -> p.toString().endsWith(".conf")).toList()) {
        Files.copy(conf, artifacts.resolve("conf").resolve(conf.getFileName()));
      }
    }
    Map<String, String> values = new LinkedHashMap<>(values());
    values.put("ARTIFACTS", artifacts.toString());
    JsonNode job = rendered(file, values);
    String command = defaultArguments(job).get("--command");

    Request cli = request(commandLine(command, artifacts.resolve("conf").toString()).toArray(String[]::new));
    for (long seed = 1; seed <= 3; seed++) {
      Request glue = request(glueRun(job, seed));
      assertThat(glue.options()).as("seed " + seed).isEqualTo(cli.options());
      assertThat(glue.settings()).as("seed " + seed).isEqualTo(cli.settings());
    }

    assertThat(cli.options()).containsEntry("command", command).containsEntry("--env", "aws");
    Settings settings = cli.settings();
    assertThat(settings.env()).isEqualTo("aws");
    assertThat(settings.stores().raw()).isEqualTo(StoreUri.parse("s3://climate-raw"));
    assertThat(settings.stores().processed()).isEqualTo(StoreUri.parse("s3://climate-lake/processed"));
    assertThat(settings.stores().models()).isEqualTo(StoreUri.parse("s3://climate-lake/models"));
    assertThat(settings.s3().region()).isEqualTo("eu-west-2");
    assertThat(settings.s3().endpoint()).isEmpty();
    assertThat(settings.spark().s3Committer()).isEqualTo("runtime");
  }

  // ----- the job roles' policies -----

  private static final Pattern ANY = Pattern.compile("[*?]");

  /** Whether an IAM resource or action pattern ({@code *} and {@code ?} wildcards) matches {@code value}. */
  static boolean matches(String pattern, String value) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return value.matches(regex.toString());
  }

  /** A policy element that is one string or an array of them, as a list. */
  static List<String> strings(JsonNode node) {
    List<String> values = new ArrayList<>();
    if (node.isTextual()) {
      values.add(node.textValue());
    } else {
      node.forEach(n -> values.add(n.textValue()));
    }
    return values;
  }

  /** The actions the policy allows on one object ARN, as written (a wildcard action stays one entry). */
  private static Set<String> allowedOn(JsonNode policy, String arn) {
    return allowedOn(policy, arn, null);
  }

  /**
   * The actions the policy allows on one resource ARN for a request with this {@code s3:prefix}
   * (null: none, as a HEAD of the bucket): a statement with a {@code StringLike s3:prefix}
   * condition counts only when the prefix matches it.
   */
  private static Set<String> allowedOn(JsonNode policy, String arn, String prefix) {
    Set<String> actions = new TreeSet<>();
    for (JsonNode statement : policy.get("Statement")) {
      JsonNode condition = statement.get("Condition");
      boolean holds = condition == null || (prefix != null
          && strings(condition.at("/StringLike/s3:prefix")).stream().anyMatch(p -> matches(p, prefix)));
      if (holds && strings(statement.get("Resource")).stream().anyMatch(r -> matches(r, arn))) {
        actions.addAll(strings(statement.get("Action")));
      }
    }
    return actions;
  }

  static Stream<Map<String, String>> layouts() {
    Map<String, String> separateBuckets = GlueJobsTest.given();
    separateBuckets.put("PROCESSED_STORE", "s3://climate-processed");
    separateBuckets.put("MODELS_STORE", "s3://climate-models");
    Map<String, String> oneBucket = GlueJobsTest.given();
    oneBucket.put("RAW_STORE", "s3://climate-lake/raw");
    oneBucket.put("ARTIFACTS", "s3://climate-lake/artifacts");
    return Stream.of(GlueJobsTest.given(), separateBuckets, oneBucket);
  }

  private static final Set<String> RW = Set.of("s3:GetObject", "s3:PutObject", "s3:DeleteObject",
      "s3:AbortMultipartUpload");
  private static final Set<String> READ = Set.of("s3:GetObject");

  /** The jobs that take the processed store's lease: they may finish any run's publish there. */
  private static final Set<String> LEASED = Set.of("process", "train", "predict", "run");

  /** The stores each job lists (s3:ListBucket within the store's prefix). */
  private static final Map<String, Set<String>> LISTS = Map.of(
      "process", Set.of("RAW_STORE", "PROCESSED_STORE", "ARTIFACTS"),
      "train", Set.of("PROCESSED_STORE", "MODELS_STORE", "ARTIFACTS"),
      "predict", Set.of("PROCESSED_STORE", "MODELS_STORE", "ARTIFACTS"),
      "run", Set.of("RAW_STORE", "PROCESSED_STORE", "MODELS_STORE", "ARTIFACTS"),
      "scan", Set.of("RAW_STORE", "PROCESSED_STORE", "ARTIFACTS"));

  /** The stores whose pending multipart uploads each job lists (s3:ListBucketMultipartUploads, a bucket-wide grant). */
  private static final Map<String, Set<String>> UPLOADS = Map.of(
      "process", Set.of("PROCESSED_STORE"),
      "train", Set.of("PROCESSED_STORE", "MODELS_STORE"),
      "predict", Set.of("PROCESSED_STORE"),
      "run", Set.of("PROCESSED_STORE", "MODELS_STORE"),
      "scan", Set.of());

  /** The exact object actions of each job, by store and key: what JobRolePolicyIT found each job doing. */
  private static Set<String> objectActions(String job, String store, String key) {
    return switch (store) {
      case "RAW_STORE" -> job.equals("process") || job.equals("run") ? READ : Set.of();
      case "PROCESSED_STORE" -> {
        if (LEASED.contains(job)) {
          yield RW; // recovery may move, delete and abort anywhere in the store
        }
        // scan: reads and writes its manifests, writes its report, nothing else
        yield key.startsWith("_manifests/raw/") ? Set.of("s3:GetObject", "s3:PutObject")
            : key.startsWith("_runs/scan/") ? Set.of("s3:PutObject") : Set.of();
      }
      case "MODELS_STORE" -> job.equals("train") || job.equals("run") ? RW : job.equals("predict") ? READ : Set.of();
      case "ARTIFACTS" -> READ;
      default -> throw new IllegalArgumentException(store);
    };
  }

  /**
   * The exact bucket actions of a job on {@code bucket} for a request with {@code prefix}:
   * s3:ListBucket when the prefix lies in a store the job lists (any prefix, or none, for a store
   * that is a whole bucket), s3:ListBucketMultipartUploads when a store whose uploads it lists is in
   * the bucket.
   */
  private static Set<String> bucketActions(String job, Map<String, StoreUri> stores, String bucket, String prefix) {
    Set<String> actions = new TreeSet<>();
    for (String store : LISTS.get(job)) {
      StoreUri uri = stores.get(store);
      if (uri.bucket().equals(bucket) && (uri.prefix().isEmpty() || (prefix != null
          && (prefix.equals(uri.prefix()) || prefix.startsWith(uri.prefix() + "/"))))) {
        actions.add("s3:ListBucket");
      }
    }
    for (String store : UPLOADS.get(job)) {
      if (stores.get(store).bucket().equals(bucket)) {
        actions.add("s3:ListBucketMultipartUploads");
      }
    }
    return actions;
  }

  @Test
  void everyJobHasItsOwnPolicyAndTheOldSharedOneIsGone() throws IOException {
    try (Stream<Path> files = Files.list(JOBS.resolve("iam"))) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("process-policy.json",
          "train-policy.json", "predict-policy.json", "run-policy.json", "scan-policy.json", "trust-policy.json");
    }
    assertThat(jobFiles().map(f -> f.getFileName().toString().replace(".json", "")))
        .containsExactlyInAnyOrderElementsOf(GlueJobs.JOBS);
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void eachJobsPolicyGrantsExactlyWhatThatJobDoes(Map<String, String> given) {
    Map<String, String> values = GlueJobs.values(given);
    Map<String, StoreUri> stores = new LinkedHashMap<>();
    for (String store : List.of("RAW_STORE", "PROCESSED_STORE", "MODELS_STORE", "ARTIFACTS")) {
      stores.put(store, StoreUri.parse(values.get(store)));
    }
    Map<String, List<String>> probes = Map.of(
        "RAW_STORE", List.of("raw/climate_data.csv", "raw/locations_2024-01-02.csv"),
        "PROCESSED_STORE", List.of("_staging/r1/processed/climate/x.parquet",
            "processed/daily_location/month=2024-01/part-00000.parquet", "_manifests/raw/r1.json",
            "_runs/scan/r1.json", "_runs/process/r1.json", "_lease/run.json"),
        "MODELS_STORE", List.of("models/risk/v0001/metadata.json", "models/forecast/v0002/model/metadata/part-00000"),
        "ARTIFACTS", List.of("climate-health-pipeline.jar", "conf/aws.conf", "glue/entry-point.scala"));
    for (String job : GlueJobs.JOBS) {
      JsonNode policy = rendered(JOBS.resolve(GlueJobs.policyFile(job)), values);
      assertThat(policy.get("Version").textValue()).isEqualTo("2012-10-17");
      assertThat(policy.toString()).as(job).doesNotContain("${");
      for (JsonNode statement : policy.get("Statement")) {
        assertThat(statement.get("Effect").textValue()).isEqualTo("Allow");
        assertThat(statement.has("NotAction") || statement.has("NotResource")).isFalse();
        assertThat(statement.get("Sid").textValue()).as("JobRolePolicyIT names statements by Sid").isNotBlank();
        assertThat(strings(statement.get("Action"))).noneMatch(a -> ANY.matcher(a).find());
      }
      String s3 = "arn:aws:s3:::";
      stores.forEach((store, uri) -> {
        for (String key : probes.get(store)) {
          assertThat(allowedOn(policy, s3 + uri.bucket() + "/" + uri.objectKey(key))).as(job + " on " + uri + " " + key)
              .containsExactlyInAnyOrderElementsOf(objectActions(job, store, key));
        }
        // listing inside the store, at its top, next to it in the same bucket, and with no prefix at all
        List<String> prefixes = new ArrayList<>(List.of(uri.objectKey("raw/"), uri.objectKey("models/risk/"),
            "elsewhere/"));
        if (!uri.prefix().isEmpty()) {
          prefixes.add(uri.prefix());
        }
        prefixes.add(null);
        for (String prefix : prefixes) {
          assertThat(allowedOn(policy, s3 + uri.bucket(), prefix)).as(job + " on bucket " + uri.bucket() + ", prefix "
              + prefix).containsExactlyInAnyOrderElementsOf(bucketActions(job, stores, uri.bucket(), prefix));
        }
      });
      assertThat(allowedOn(policy, "arn:aws:logs:eu-west-2:123456789012:log-group:/aws-glue/jobs/output:log-stream:jr_1"))
          .containsExactlyInAnyOrder("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents");
      // nothing else anywhere: no delete in the bucket next door
      assertThat(allowedOn(policy, "arn:aws:s3:::some-other-bucket/x")).as(job).isEmpty();
      assertThat(allowedOn(policy, "arn:aws:s3:::some-other-bucket", "x")).as(job).isEmpty();
    }
  }

  @ParameterizedTest
  @MethodSource("layouts")
  void noJobWritesOrDeletesInRaw(Map<String, String> given) {
    Map<String, String> values = GlueJobs.values(given);
    StoreUri raw = StoreUri.parse(values.get("RAW_STORE"));
    for (String job : GlueJobs.JOBS) {
      JsonNode policy = rendered(JOBS.resolve(GlueJobs.policyFile(job)), values);
      assertThat(allowedOn(policy, "arn:aws:s3:::" + raw.bucket() + "/" + raw.objectKey("raw/climate_data.csv")))
          .as(job).noneMatch(a -> a.contains("Delete") || a.contains("Put") || a.contains("Abort"));
    }
  }

  @Test
  void theTrustPolicyLetsGlueAssumeTheRole() {
    JsonNode trust = GlueJobs.read(JOBS.resolve("iam/trust-policy.json"));
    JsonNode statement = trust.get("Statement").get(0);
    assertThat(statement.at("/Principal/Service").textValue()).isEqualTo("glue.amazonaws.com");
    assertThat(statement.get("Action").textValue()).isEqualTo("sts:AssumeRole");
    for (Iterator<String> it = trust.fieldNames(); it.hasNext(); ) {
      assertThat(it.next()).isIn("Version", "Statement");
    }
  }
}
