package org.climatehealth.pipeline.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.climatehealth.pipeline.testing.ScriptRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/deploy-glue.sh} as a data engineer runs it, on the jar this build made: the dry
 * run prints every upload and both job calls per job file and calls nothing; without the AWS CLI
 * or credentials it stops with exit 2 before building; against a stand-in {@code aws} that
 * records its calls, it uploads, then creates the jobs that are missing and updates the others.
 * Each job runs as the default role or one of its own ({@code --role-arn JOB=ARN}), and the
 * deploy ends by saying, per role, which jobs run as it and which rendered policies it needs.
 */
class DeployGlueScriptIT {

  private static final Path HOME = ScriptRun.HOME;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ARTIFACTS = "s3://deploy-bucket/climate-health/v1";

  /** A stand-in for the AWS CLI: records each call, knows the jobs in FAKE_AWS_EXISTING. */
  private static final String FAKE_AWS = """
      #!/usr/bin/env bash
      printf '%s\\n' "$*" >> "$FAKE_AWS_LOG"
      case "$1 $2" in
        "sts get-caller-identity")
          if [[ -n "${FAKE_AWS_NO_CREDENTIALS:-}" ]]; then
            echo 'Unable to locate credentials. You can configure credentials by running "aws configure".' >&2
            exit 255
          fi
          echo 123456789012 ;;
        "glue get-job")
          if [[ -n "${FAKE_AWS_DENIED:-}" ]]; then
            echo "An error occurred (AccessDeniedException) when calling the GetJob operation: no" >&2
            exit 254
          fi
          if [[ " ${FAKE_AWS_EXISTING:-} " == *" $4 "* ]]; then echo '{"Job": {}}'; else
            echo "An error occurred (EntityNotFoundException) when calling the GetJob operation: Job $4 not found." >&2
            exit 254
          fi ;;
        "glue create-job") echo '{"Name": "x"}' ;;
      esac
      """;

  private static Path buildDir;
  private static List<String> jobs;
  private static List<String> confs;

  @TempDir Path dir;
  private Path bin;
  private Path log;
  private Path out;

  @BeforeAll
  static void theBuild() throws Exception {
    Path testClasses = Path.of(DeployGlueScriptIT.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    buildDir = testClasses.getParent();
    assertThat(buildDir.resolve("climate-health-pipeline.jar")).isRegularFile();
    jobs = names(HOME.resolve("jobs"), ".json");
    confs = names(HOME.resolve("conf"), ".conf");
    assertThat(jobs).hasSize(5);
  }

  private static List<String> names(Path folder, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
    }
  }

  @BeforeEach
  void fakeAws() throws IOException {
    bin = Files.createDirectories(dir.resolve("bin"));
    Path aws = bin.resolve("aws");
    Files.writeString(aws, FAKE_AWS);
    Files.setPosixFilePermissions(aws, PosixFilePermissions.fromString("rwxr-xr-x"));
    log = dir.resolve("aws-calls.log");
    out = dir.resolve("rendered");
  }

  private static List<String> values() {
    return List.of("--artifacts", ARTIFACTS + "/", "--role-arn", "arn:aws:iam::123456789012:role/climate-health-glue",
        "--raw", "s3://climate-raw", "--processed", "s3://climate-lake/processed", "--models", "s3://climate-lake/models",
        "--region", "eu-west-2");
  }

  /** Runs the script with the build of this test run and {@code path} as PATH; {@code env} adds variables. */
  private ScriptRun deploy(String path, Map<String, String> env, List<String> args) {
    List<String> command = new ArrayList<>(List.of("/bin/bash", HOME.resolve("scripts/deploy-glue.sh").toString(),
        "--no-build", "--build-dir", buildDir.toString(), "--out", out.toString()));
    command.addAll(args);
    Map<String, String> all = new HashMap<>(Map.of("PATH", path, "FAKE_AWS_LOG", log.toString()));
    all.putAll(env);
    return ScriptRun.run(dir, all, Duration.ofSeconds(120), command);
  }

  private String pathWithFakeAws() {
    return bin + File.pathSeparator + System.getenv("PATH");
  }

  /** This machine's PATH without any directory that has an {@code aws}. */
  private static String pathWithoutAws() {
    return Arrays.stream(System.getenv("PATH").split(File.pathSeparator))
        .filter(d -> !d.isEmpty() && !Files.isExecutable(Path.of(d, "aws")))
        .collect(Collectors.joining(File.pathSeparator));
  }

  private List<String> calls() throws IOException {
    return Files.exists(log) ? Files.readAllLines(log) : List.of();
  }

  private String jar() {
    return buildDir.resolve("climate-health-pipeline.jar").toString();
  }

  /** The uploads, as the AWS CLI gets them (without the leading "aws"). */
  private List<String> uploads() {
    List<String> uploads = new ArrayList<>();
    uploads.add("s3 cp --only-show-errors " + jar() + " " + ARTIFACTS + "/climate-health-pipeline.jar --region eu-west-2");
    for (String conf : confs) {
      uploads.add("s3 cp --only-show-errors " + HOME.resolve("conf/" + conf) + " " + ARTIFACTS + "/conf/" + conf
          + " --region eu-west-2");
    }
    uploads.add("s3 cp --only-show-errors " + HOME.resolve("jobs/script/entry-point.scala") + " " + ARTIFACTS
        + "/glue/entry-point.scala --region eu-west-2");
    return uploads;
  }

  @Test
  void aDryRunPrintsEveryUploadAndBothCallsForEveryJobAndCallsNothing() throws Exception {
    ScriptRun run = deploy(pathWithFakeAws(), Map.of(), concat(values(), "--dry-run"));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(calls()).as("nothing called").isEmpty();
    List<String> commands = run.outLines().stream().filter(l -> l.startsWith("aws ")).toList();
    List<String> expected = new ArrayList<>(uploads().stream().map(u -> "aws " + u).toList());
    for (String job : jobs) {
      String base = job.replace(".json", "");
      expected.add("aws glue create-job --region eu-west-2 --cli-input-json file://" + out.resolve(base + ".create.json"));
      expected.add("aws glue update-job --region eu-west-2 --cli-input-json file://" + out.resolve(base + ".update.json"));
    }
    assertThat(commands).containsExactlyElementsOf(expected);
    for (String job : jobs) {
      String base = job.replace(".json", "");
      assertThat(run.out()).contains("# job climate-health-" + base + ": create it when 'aws glue get-job --job-name "
          + "climate-health-" + base + "' says EntityNotFoundException\n");
      JsonNode create = JSON.readTree(out.resolve(base + ".create.json").toFile());
      JsonNode update = JSON.readTree(out.resolve(base + ".update.json").toFile());
      assertThat(create.get("Name").textValue()).isEqualTo("climate-health-" + base);
      assertThat(create.at("/DefaultArguments/--extra-jars").textValue()).isEqualTo(ARTIFACTS + "/climate-health-pipeline.jar");
      assertThat(update.get("JobName").textValue()).isEqualTo("climate-health-" + base);
      assertThat(update.get("JobUpdate").has("Name") || update.get("JobUpdate").has("Tags")).isFalse();
      assertThat(update.get("JobUpdate").get("DefaultArguments")).isEqualTo(create.get("DefaultArguments"));
    }
    for (String job : jobs) {
      String base = job.replace(".json", "");
      JsonNode policy = JSON.readTree(out.resolve(base + "-policy.json").toFile());
      assertThat(policy.toString()).as(base).contains("arn:aws:s3:::climate-lake").doesNotContain("${");
      assertThat(JSON.readTree(out.resolve(base + ".create.json").toFile()).get("Role").textValue())
          .isEqualTo("arn:aws:iam::123456789012:role/climate-health-glue");
    }
    // one role runs every job: it needs every job's policy, said in one line
    List<String> policies = jobs.stream().map(j -> out.resolve(j.replace(".json", "-policy.json")).toString()).toList();
    assertThat(run.outLines()).filteredOn(l -> l.startsWith("# IAM: ")).containsExactly(
        "# IAM: role arn:aws:iam::123456789012:role/climate-health-glue runs climate-health-predict, "
            + "climate-health-process, climate-health-run, climate-health-scan, climate-health-train: attach each of "
            + "their policies: " + String.join(", ", policies),
        "# IAM: each job role's trust policy (glue.amazonaws.com may assume it): " + out.resolve("trust-policy.json"));
  }

  @Test
  void aJobMayRunAsARoleOfItsOwnAndTheDeploySaysWhichPoliciesEachRoleNeeds() throws Exception {
    String scanRole = "arn:aws:iam::123456789012:role/climate-health-scan";
    String trainRole = "arn:aws:iam::123456789012:role/ml/climate-health-train";
    ScriptRun run = deploy(pathWithFakeAws(), Map.of(), concat(values(), "--role-arn", "scan=" + scanRole,
        "--role-arn", "train=" + trainRole, "--dry-run"));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(JSON.readTree(out.resolve("scan.create.json").toFile()).get("Role").textValue()).isEqualTo(scanRole);
    assertThat(JSON.readTree(out.resolve("train.update.json").toFile()).at("/JobUpdate/Role").textValue())
        .isEqualTo(trainRole);
    assertThat(JSON.readTree(out.resolve("run.create.json").toFile()).get("Role").textValue())
        .isEqualTo("arn:aws:iam::123456789012:role/climate-health-glue");
    assertThat(run.outLines()).filteredOn(l -> l.startsWith("# IAM: role ")).containsExactly(
        // in the order of the job files
        "# IAM: role arn:aws:iam::123456789012:role/climate-health-glue runs climate-health-predict, "
            + "climate-health-process, climate-health-run: attach each of their policies: "
            + out.resolve("predict-policy.json") + ", " + out.resolve("process-policy.json") + ", "
            + out.resolve("run-policy.json"),
        "# IAM: role " + scanRole + " runs climate-health-scan: attach its policy: " + out.resolve("scan-policy.json"),
        "# IAM: role " + trainRole + " runs climate-health-train: attach its policy: " + out.resolve("train-policy.json"));

    // a role for every job: no default needed
    List<String> own = new ArrayList<>(List.of("--artifacts", ARTIFACTS, "--raw", "s3://climate-raw", "--processed",
        "s3://climate-lake/processed", "--models", "s3://climate-lake/models", "--region", "eu-west-2", "--dry-run"));
    for (String job : List.of("process", "train", "predict", "run", "scan")) {
      own.addAll(List.of("--role-arn", job + "=arn:aws:iam::123456789012:role/" + job));
    }
    ScriptRun everyJob = deploy(pathWithFakeAws(), Map.of(), own);
    assertThat(everyJob.exitCode()).as(everyJob.err()).isZero();
    assertThat(everyJob.outLines()).filteredOn(l -> l.startsWith("# IAM: role ")).hasSize(5);

    ScriptRun unknownJob = deploy(pathWithFakeAws(), Map.of(), concat(values(), "--role-arn", "ingest=" + scanRole,
        "--dry-run"));
    assertThat(unknownJob.exitCode()).isEqualTo(2);
    assertThat(unknownJob.errLines().get(0)).isEqualTo("error: --role-arn ingest=" + scanRole + ": 'ingest' is no job; "
        + "use --role-arn ARN, or JOB=ARN with JOB one of process train predict run scan");

    ScriptRun otherAccount = deploy(pathWithFakeAws(), Map.of(), concat(values(), "--role-arn",
        "predict=arn:aws:iam::999999999999:role/p", "--dry-run"));
    assertThat(otherAccount.exitCode()).isEqualTo(2);
    assertThat(otherAccount.errLines()).containsExactly("error: the job roles must be in one partition and account: "
        + "PREDICT_ROLE_ARN arn:aws:iam::999999999999:role/p is in aws account 999999999999, ROLE_ARN "
        + "arn:aws:iam::123456789012:role/climate-health-glue in aws account 123456789012");
    assertThat(calls()).isEmpty();
  }

  @Test
  void withoutTheAwsCliItStopsWithOneClearLineBeforeDoingAnything() throws Exception {
    String path = pathWithoutAws();
    ScriptRun run = deploy(path, Map.of(), values());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).containsExactly("error: the AWS CLI ('aws') is not on PATH: install it "
        + "(https://aws.amazon.com/cli/), or use --dry-run to see the calls");
    assertThat(run.out()).isEmpty();
    assertThat(out).doesNotExist();

    // the dry run needs no AWS CLI
    ScriptRun dry = deploy(path, Map.of(), concat(values(), "--dry-run"));
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(dry.outLines()).filteredOn(l -> l.startsWith("aws glue create-job")).hasSize(jobs.size());
  }

  @Test
  void withoutCredentialsItStopsWithOneClearLineAndWhatAwsSaid() throws Exception {
    ScriptRun run = deploy(pathWithFakeAws(), Map.of("FAKE_AWS_NO_CREDENTIALS", "1"), values());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).containsExactly(
        "error: no usable AWS credentials ('aws sts get-caller-identity' failed): configure a profile or the AWS_* "
            + "variables, then run again",
        "  aws said: Unable to locate credentials. You can configure credentials by running \"aws configure\".");
    assertThat(calls()).containsExactly("sts get-caller-identity --region eu-west-2 --output text --query Account");
    assertThat(out).doesNotExist();
  }

  @Test
  void aDeployUploadsThenCreatesTheMissingJobsAndUpdatesTheOthers() throws Exception {
    ScriptRun run = deploy(pathWithFakeAws(), Map.of("FAKE_AWS_EXISTING", "climate-health-run climate-health-train"),
        values());

    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> expected = new ArrayList<>();
    expected.add("sts get-caller-identity --region eu-west-2 --output text --query Account");
    expected.addAll(uploads());
    for (String job : jobs) {
      String base = job.replace(".json", "");
      String name = "climate-health-" + base;
      expected.add("glue get-job --job-name " + name + " --region eu-west-2");
      boolean exists = base.equals("run") || base.equals("train");
      expected.add("glue " + (exists ? "update" : "create") + "-job --region eu-west-2 --cli-input-json file://"
          + out.resolve(base + (exists ? ".update.json" : ".create.json")));
    }
    assertThat(calls()).containsExactlyElementsOf(expected);
    assertThat(run.outLines()).contains("created climate-health-process", "updated climate-health-run",
        "deploy-glue: 3 created, 2 updated, jar and configuration in " + ARTIFACTS,
        "start a run with: aws glue start-job-run --region eu-west-2 --job-name climate-health-run");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void whenItCannotTellWhetherAJobExistsItStops() throws Exception {
    ScriptRun run = deploy(pathWithFakeAws(), Map.of("FAKE_AWS_DENIED", "1"), values());

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.errLines()).containsExactly("error: cannot tell whether job climate-health-" + jobs.get(0)
        .replace(".json", "") + " exists ('aws glue get-job' failed): An error occurred (AccessDeniedException) when "
        + "calling the GetJob operation: no");
    assertThat(calls()).noneMatch(c -> c.startsWith("glue create-job") || c.startsWith("glue update-job"));
  }

  @Test
  void badOrMissingValuesAreUsageErrors() throws Exception {
    ScriptRun missing = deploy(pathWithFakeAws(), Map.of(), List.of("--dry-run", "--artifacts", ARTIFACTS));
    assertThat(missing.exitCode()).isEqualTo(2);
    assertThat(missing.errLines().get(0)).isEqualTo("error: missing --role-arn (or GLUE_ROLE_ARN), --raw (or RAW_BUCKET), "
        + "--processed (or PROCESSED_BUCKET), --models (or MODELS_BUCKET), --region (or AWS_REGION)");

    // the variables conf/aws.conf reads serve as well
    ScriptRun fromEnvironment = deploy(pathWithFakeAws(), Map.of("GLUE_ARTIFACTS", ARTIFACTS, "GLUE_ROLE_ARN",
        "arn:aws:iam::123456789012:role/r", "RAW_BUCKET", "climate-raw", "PROCESSED_BUCKET", "climate-lake/processed",
        "MODELS_BUCKET", "s3://climate-lake/models", "AWS_REGION", "eu-west-2"), List.of("--dry-run"));
    assertThat(fromEnvironment.exitCode()).as(fromEnvironment.err()).isZero();
    assertThat(JSON.readTree(out.resolve("process.create.json").toFile()).at("/DefaultArguments/--pipeline.stores.processed")
        .textValue()).isEqualTo("s3://climate-lake/processed");

    List<String> badRegion = new ArrayList<>(values());
    badRegion.set(badRegion.indexOf("eu-west-2"), "Europe");
    ScriptRun region = deploy(pathWithFakeAws(), Map.of(), concat(badRegion, "--dry-run"));
    assertThat(region.exitCode()).isEqualTo(2);
    assertThat(region.errLines()).containsExactly("error: bad REGION 'Europe': expected a region name such as eu-west-2");

    ScriptRun typo = deploy(pathWithFakeAws(), Map.of(), List.of("--dry-run", "--artefacts", ARTIFACTS));
    assertThat(typo.exitCode()).isEqualTo(2);
    assertThat(typo.errLines().get(0)).isEqualTo("error: unknown argument '--artefacts'");

    ScriptRun help = deploy(pathWithFakeAws(), Map.of(), List.of("--help"));
    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).startsWith("Usage: scripts/deploy-glue.sh [options]").contains("--dry-run", "--no-build",
        "--role-arn JOB=ARN");
    assertThat(calls()).isEmpty();
  }

  private static List<String> concat(List<String> list, String... more) {
    List<String> all = new ArrayList<>(list);
    all.addAll(List.of(more));
    return all;
  }
}
