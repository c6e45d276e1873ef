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
 * request, and the same settings, as the command line a user would type. The IAM policy for the
 * job role reads raw and never writes or deletes there.
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

  private static Map<String, String> defaultArguments(JsonNode job) {
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
    for (String placeholder : List.of("${JOB_PREFIX}", "${ROLE_ARN}", "${ARTIFACTS}", "${RAW_STORE}",
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

  // ----- the job role's policy -----

  private static final Pattern ANY = Pattern.compile("[*?]");

  /** Whether an IAM resource or action pattern ({@code *} and {@code ?} wildcards) matches {@code value}. */
  private static boolean matches(String pattern, String value) {
    StringBuilder regex = new StringBuilder();
    for (char c : pattern.toCharArray()) {
      regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
    }
    return value.matches(regex.toString());
  }

  private static List<String> strings(JsonNode node) {
    List<String> values = new ArrayList<>();
    if (node.isTextual()) {
      values.add(node.textValue());
    } else {
      node.forEach(n -> values.add(n.textValue()));
    }
    return values;
  }

  /** The actions the policy allows on one resource ARN, as written (a wildcard action stays one entry). */
  private static Set<String> allowedOn(JsonNode policy, String arn) {
    Set<String> actions = new TreeSet<>();
    for (JsonNode statement : policy.get("Statement")) {
      if (strings(statement.get("Resource")).stream().anyMatch(r -> matches(r, arn))) {
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

  @ParameterizedTest
  @MethodSource("layouts")
  void theJobRoleReadsRawAndNeverWritesOrDeletesThere(Map<String, String> given) {
    Map<String, String> values = GlueJobs.values(given);
    JsonNode policy = rendered(JOBS.resolve("iam/job-role-policy.json"), values);
    assertThat(policy.get("Version").textValue()).isEqualTo("2012-10-17");
    for (JsonNode statement : policy.get("Statement")) {
      assertThat(statement.get("Effect").textValue()).isEqualTo("Allow");
      assertThat(statement.has("NotAction") || statement.has("NotResource")).isFalse();
      assertThat(strings(statement.get("Action"))).noneMatch(a -> ANY.matcher(a).find());
    }
    String partition = "arn:aws:s3:::";
    StoreUri raw = StoreUri.parse(values.get("RAW_STORE"));
    String rawObject = partition + raw.bucket() + "/" + raw.objectKey("raw/climate_data.csv");

    assertThat(allowedOn(policy, rawObject)).containsExactly("s3:GetObject");
    assertThat(allowedOn(policy, partition + raw.bucket())).contains("s3:ListBucket")
        .noneMatch(a -> a.contains("Delete") || a.contains("Put"));
    for (String store : List.of("PROCESSED_STORE", "MODELS_STORE")) {
      StoreUri uri = StoreUri.parse(values.get(store));
      assertThat(allowedOn(policy, partition + uri.bucket() + "/" + uri.objectKey("_staging/r1/x.parquet")))
          .as(store).contains("s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload");
      assertThat(allowedOn(policy, partition + uri.bucket())).as(store).contains("s3:ListBucket");
    }
    StoreUri artifacts = StoreUri.parse(values.get("ARTIFACTS"));
    assertThat(allowedOn(policy, partition + artifacts.bucket() + "/" + artifacts.objectKey("climate-health-pipeline.jar")))
        .containsExactly("s3:GetObject");
    assertThat(allowedOn(policy, "arn:aws:logs:eu-west-2:123456789012:log-group:/aws-glue/jobs/output:log-stream:jr_1"))
        .containsExactlyInAnyOrder("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents");
    // nothing else anywhere: no delete in the bucket next door
    assertThat(allowedOn(policy, "arn:aws:s3:::some-other-bucket/x")).isEmpty();
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
