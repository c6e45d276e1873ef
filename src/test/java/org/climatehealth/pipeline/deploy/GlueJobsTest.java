package org.climatehealth.pipeline.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.deploy.GlueJobs.DeployException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rendering deploy-time values into job and policy documents, and CreateJob to UpdateJob. */
class GlueJobsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  static Map<String, String> given() {
    Map<String, String> given = new LinkedHashMap<>();
    given.put("ARTIFACTS", "s3://deploy-bucket/glue/climate-health/");
    given.put("ROLE_ARN", "arn:aws:iam::123456789012:role/climate-health-glue");
    given.put("RAW_STORE", "s3://climate-raw");
    given.put("PROCESSED_STORE", "s3a://climate-lake/processed/");
    given.put("MODELS_STORE", "s3://climate-lake/models");
    given.put("REGION", "eu-west-2");
    return given;
  }

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void valuesAreNormalisedAndTheDerivedOnesAdded() {
    Map<String, String> values = GlueJobs.values(given());

    assertThat(values).containsEntry("ARTIFACTS", "s3://deploy-bucket/glue/climate-health")
        .containsEntry("RAW_STORE", "s3://climate-raw")
        .containsEntry("PROCESSED_STORE", "s3://climate-lake/processed")
        .containsEntry("JOB_PREFIX", "climate-health-")
        .containsEntry("PARTITION", "aws")
        .containsEntry("ACCOUNT", "123456789012")
        .containsEntry("RAW_BUCKET", "climate-raw")
        .containsEntry("RAW_OBJECTS", "climate-raw/*")
        .containsEntry("PROCESSED_BUCKET", "climate-lake")
        .containsEntry("PROCESSED_OBJECTS", "climate-lake/processed/*")
        .containsEntry("MODELS_OBJECTS", "climate-lake/models/*")
        .containsEntry("ARTIFACTS_BUCKET", "deploy-bucket")
        .containsEntry("ARTIFACTS_OBJECTS", "deploy-bucket/glue/climate-health/*")
        // the store prefixes (empty for a whole bucket) and the ARN part up to a store's keys
        .containsEntry("RAW_PREFIX", "")
        .containsEntry("RAW_ROOT", "climate-raw/")
        .containsEntry("PROCESSED_PREFIX", "processed")
        .containsEntry("PROCESSED_ROOT", "climate-lake/processed/")
        .containsEntry("MODELS_PREFIX", "models")
        .containsEntry("ARTIFACTS_PREFIX", "glue/climate-health");
    // one role given: every job runs as it
    for (String job : GlueJobs.JOBS) {
      assertThat(values).containsEntry(GlueJobs.roleKey(job), "arn:aws:iam::123456789012:role/climate-health-glue");
    }
  }

  @Test
  void aJobsOwnRoleOverridesTheDefault() {
    Map<String, String> given = given();
    given.put("SCAN_ROLE_ARN", " arn:aws:iam::123456789012:role/climate-health-scan ");
    given.put("PROCESS_ROLE_ARN", "arn:aws:iam::123456789012:role/etl/climate-health-process");

    Map<String, String> values = GlueJobs.values(given);

    assertThat(values).containsEntry("SCAN_ROLE_ARN", "arn:aws:iam::123456789012:role/climate-health-scan")
        .containsEntry("PROCESS_ROLE_ARN", "arn:aws:iam::123456789012:role/etl/climate-health-process")
        .containsEntry("TRAIN_ROLE_ARN", "arn:aws:iam::123456789012:role/climate-health-glue")
        .containsEntry("PREDICT_ROLE_ARN", "arn:aws:iam::123456789012:role/climate-health-glue")
        .containsEntry("RUN_ROLE_ARN", "arn:aws:iam::123456789012:role/climate-health-glue")
        .containsEntry("PARTITION", "aws").containsEntry("ACCOUNT", "123456789012");

    // with a role for every job, the default may be left out
    Map<String, String> own = given();
    own.remove("ROLE_ARN");
    GlueJobs.JOBS.forEach(job -> own.put(GlueJobs.roleKey(job), "arn:aws-cn:iam::210987654321:role/" + job));
    own.put("REGION", "cn-north-1");
    assertThat(GlueJobs.values(own)).containsEntry("RUN_ROLE_ARN", "arn:aws-cn:iam::210987654321:role/run")
        .containsEntry("PARTITION", "aws-cn").containsEntry("ACCOUNT", "210987654321").doesNotContainKey("ROLE_ARN");

    // with one job's role only, the default is still needed
    Map<String, String> some = given();
    some.remove("ROLE_ARN");
    some.put("TRAIN_ROLE_ARN", "arn:aws:iam::123456789012:role/t");
    assertThatThrownBy(() -> GlueJobs.values(some)).hasMessage("missing deploy value ROLE_ARN");
  }

  @Test
  void theRolesMustAgreeOnPartitionAndAccount() {
    Map<String, String> account = given();
    account.put("PREDICT_ROLE_ARN", "arn:aws:iam::999999999999:role/climate-health-predict");
    assertThatThrownBy(() -> GlueJobs.values(account)).isInstanceOf(DeployException.class)
        .hasMessage("the job roles must be in one partition and account: PREDICT_ROLE_ARN "
            + "arn:aws:iam::999999999999:role/climate-health-predict is in aws account 999999999999, ROLE_ARN "
            + "arn:aws:iam::123456789012:role/climate-health-glue in aws account 123456789012");

    Map<String, String> partition = given();
    partition.put("RUN_ROLE_ARN", "arn:aws-us-gov:iam::123456789012:role/climate-health-run");
    assertThatThrownBy(() -> GlueJobs.values(partition)).hasMessageStartingWith("the job roles must be in one "
        + "partition and account: RUN_ROLE_ARN arn:aws-us-gov:iam::123456789012:role/climate-health-run is in aws-us-gov");

    Map<String, String> bad = given();
    bad.put("TRAIN_ROLE_ARN", "climate-health-train");
    assertThatThrownBy(() -> GlueJobs.values(bad)).hasMessageStartingWith("bad TRAIN_ROLE_ARN 'climate-health-train': "
        + "expected an IAM role ARN");
  }

  @Test
  void aConditionOnAnEmptyStorePrefixIsLeftOutAndOnlyThat() throws Exception {
    JsonNode template = json("""
        {"Statement": [
          {"Sid": "A", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::${RAW_BUCKET}",
           "Condition": {"StringLike": {"s3:prefix": ["${RAW_PREFIX}/*", "${RAW_PREFIX}"]}}},
          {"Sid": "B", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::${PROCESSED_BUCKET}",
           "Condition": {"StringLike": {"s3:prefix": ["${PROCESSED_PREFIX}/*", "${PROCESSED_PREFIX}"]}}},
          {"Sid": "C", "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::${RAW_ROOT}x/*"}]}""");

    JsonNode rendered = GlueJobs.render(template, GlueJobs.values(given()));

    // raw is the whole bucket climate-raw: its listing is not restricted
    assertThat(rendered.at("/Statement/0")).isEqualTo(json("""
        {"Sid": "A", "Action": ["s3:ListBucket"], "Resource": "arn:aws:s3:::climate-raw"}"""));
    assertThat(rendered.at("/Statement/1/Condition")).isEqualTo(json("""
        {"StringLike": {"s3:prefix": ["processed/*", "processed"]}}"""));
    assertThat(rendered.at("/Statement/2/Resource").textValue()).isEqualTo("arn:aws:s3:::climate-raw/x/*");
    // any other empty value renders as empty, a Condition or not
    JsonNode other = GlueJobs.render(json("{\"Name\": \"${JOB_PREFIX}run\", \"Condition\": {\"k\": \"${JOB_PREFIX}\"}}"),
        Map.of("JOB_PREFIX", ""));
    assertThat(other).isEqualTo(json("{\"Name\": \"run\", \"Condition\": {\"k\": \"\"}}"));
  }

  @Test
  void thePartitionComesFromTheRoleArn() {
    Map<String, String> given = given();
    given.put("ROLE_ARN", "arn:aws-cn:iam::210987654321:role/path/to/glue-role");
    given.put("REGION", "cn-north-1");
    given.put("JOB_PREFIX", "test_");

    assertThat(GlueJobs.values(given)).containsEntry("PARTITION", "aws-cn").containsEntry("ACCOUNT", "210987654321")
        .containsEntry("JOB_PREFIX", "test_");
  }

  @Test
  void badValuesAreRefusedWithOneLineNamingTheValue() {
    Map<String, String> missing = given();
    missing.remove("ROLE_ARN");
    missing.put("REGION", " ");
    assertThatThrownBy(() -> GlueJobs.values(missing)).isInstanceOf(DeployException.class)
        .hasMessage("missing deploy values ROLE_ARN, REGION");

    Map<String, String> local = given();
    local.put("RAW_STORE", "file:data/raw-bucket");
    assertThatThrownBy(() -> GlueJobs.values(local)).hasMessage("bad RAW_STORE 'file:data/raw-bucket': a Glue job "
        + "reaches only S3; expected s3://BUCKET[/PREFIX]");

    Map<String, String> malformed = given();
    malformed.put("MODELS_STORE", "s3://Models_Bucket");
    assertThatThrownBy(() -> GlueJobs.values(malformed)).hasMessageStartingWith("bad MODELS_STORE: malformed store URI");

    Map<String, String> role = given();
    role.put("ROLE_ARN", "climate-health-glue");
    assertThatThrownBy(() -> GlueJobs.values(role)).hasMessageStartingWith("bad ROLE_ARN 'climate-health-glue': "
        + "expected an IAM role ARN");

    Map<String, String> region = given();
    region.put("REGION", "Europe");
    assertThatThrownBy(() -> GlueJobs.values(region)).hasMessageStartingWith("bad REGION 'Europe'");

    Map<String, String> typo = given();
    typo.put("ARTIFACT", "s3://x");
    assertThatThrownBy(() -> GlueJobs.values(typo)).hasMessageStartingWith("unknown deploy value ARTIFACT; known: ");
  }

  @Test
  void rawMayNotOverlapAStoreTheRoleMayDeleteIn() {
    Map<String, String> inside = given();
    inside.put("RAW_STORE", "s3://climate-lake/processed/raw");
    assertThatThrownBy(() -> GlueJobs.values(inside)).isInstanceOf(DeployException.class)
        .hasMessage("PROCESSED_STORE s3://climate-lake/processed and RAW_STORE s3://climate-lake/processed/raw overlap: "
            + "the job roles may delete in processed and must not in raw; give them separate buckets or prefixes");

    Map<String, String> wholeBucket = given();
    wholeBucket.put("RAW_STORE", "s3://climate-lake/raw");
    wholeBucket.put("MODELS_STORE", "s3://climate-lake");
    assertThatThrownBy(() -> GlueJobs.values(wholeBucket)).hasMessageStartingWith("MODELS_STORE s3://climate-lake and "
        + "RAW_STORE s3://climate-lake/raw overlap");

    // a shared bucket with sibling prefixes is fine, even when one name starts with the other
    Map<String, String> siblings = given();
    siblings.put("RAW_STORE", "s3://climate-lake/processed-raw");
    assertThat(GlueJobs.values(siblings)).containsEntry("RAW_OBJECTS", "climate-lake/processed-raw/*");
  }

  @Test
  void renderReplacesPlaceholdersInEveryStringValueAndNothingElse() throws Exception {
    JsonNode template = json("""
        {"Name": "${JOB_PREFIX}process", "Timeout": 60, "Flag": true,
         "Args": {"--x": "${ARTIFACTS}/a.jar,${ARTIFACTS}/b.jar", "${KEY}": "literal $ and \\\\ and \\"q\\""},
         "List": ["${REGION}", 1, null]}""");
    Map<String, String> values = Map.of("JOB_PREFIX", "p-", "ARTIFACTS", "s3://b/x", "REGION", "eu-west-2",
        "KEY", "unused");

    JsonNode rendered = GlueJobs.render(template, values);

    assertThat(rendered).isEqualTo(json("""
        {"Name": "p-process", "Timeout": 60, "Flag": true,
         "Args": {"--x": "s3://b/x/a.jar,s3://b/x/b.jar", "${KEY}": "literal $ and \\\\ and \\"q\\""},
         "List": ["eu-west-2", 1, null]}"""));
    assertThat(template.get("Name").asText()).as("the template is not changed").isEqualTo("${JOB_PREFIX}process");
  }

  @Test
  void aValueThatLooksLikeJsonOrAReplacementStaysLiteral() throws Exception {
    JsonNode rendered = GlueJobs.render(json("{\"Role\": \"${ROLE_ARN}\"}"), Map.of("ROLE_ARN", "a\"b\\c$1${X}"));
    assertThat(rendered.get("Role").textValue()).isEqualTo("a\"b\\c$1${X}");
  }

  @Test
  void anUnknownPlaceholderIsNamedWithWhereItIs() throws Exception {
    JsonNode template = json("{\"DefaultArguments\": {\"--extra-jars\": \"${ARTEFACTS}/x.jar\"}}");
    assertThatThrownBy(() -> GlueJobs.render(template, Map.of("ARTIFACTS", "s3://b", "REGION", "r")))
        .isInstanceOf(DeployException.class)
        .hasMessage("unknown placeholder ${ARTEFACTS} at /DefaultArguments/--extra-jars; known: ARTIFACTS, REGION");
  }

  @Test
  void theUpdateRequestIsTheJobWithoutNameAndTagsUnderItsName() throws Exception {
    JsonNode create = json("""
        {"Name": "climate-health-process", "Description": "d", "Role": "arn:aws:iam::123456789012:role/r",
         "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/entry.scala"},
         "DefaultArguments": {"--command": "process"}, "ExecutionProperty": {"MaxConcurrentRuns": 1},
         "Timeout": 120, "GlueVersion": "6.0", "WorkerType": "G.1X", "NumberOfWorkers": 4,
         "Tags": {"project": "x"}}""");

    ObjectNode update = GlueJobs.updateRequest(create);

    assertThat(update).isEqualTo(json("""
        {"JobName": "climate-health-process",
         "JobUpdate": {"Description": "d", "Role": "arn:aws:iam::123456789012:role/r",
           "Command": {"Name": "glueetl", "ScriptLocation": "s3://b/entry.scala"},
           "DefaultArguments": {"--command": "process"}, "ExecutionProperty": {"MaxConcurrentRuns": 1},
           "Timeout": 120, "GlueVersion": "6.0", "WorkerType": "G.1X", "NumberOfWorkers": 4}}"""));
    assertThat(create.has("Tags")).as("the create request is not changed").isTrue();
  }

  @Test
  void aDocumentWithoutTheRequiredJobFieldsIsNoJob() throws Exception {
    assertThatThrownBy(() -> GlueJobs.updateRequest(json("{\"Name\": \"x\", \"Role\": \"r\", \"Command\": {}}")))
        .isInstanceOf(DeployException.class)
        .hasMessage("not a Glue job definition: /Command/Name is missing or not a string");
  }

  @Test
  void theCommandLineWritesCreateAndUpdateRequestsAndPoliciesAndListsThemWithEachRolesPolicies(@TempDir Path dir)
      throws Exception {
    for (String job : List.of("process", "train", "scan")) {
      Files.writeString(dir.resolve(job + ".json"), """
          {"Name": "${JOB_PREFIX}@job", "Role": "${@role}",
           "Command": {"Name": "glueetl", "ScriptLocation": "${ARTIFACTS}/glue/entry-point.scala"},
           "Tags": {"a": "b"}}""".replace("@job", job).replace("@role", GlueJobs.roleKey(job)));
      Files.writeString(dir.resolve(job + "-policy.json"), """
          {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:${PARTITION}:s3:::${RAW_OBJECTS}"}]}""");
    }
    Files.writeString(dir.resolve("trust-policy.json"), """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}""");
    Path out = dir.resolve("out");
    List<String> args = new java.util.ArrayList<>(List.of("render", "--out", out.toString()));
    given().forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    args.addAll(List.of("--set", "TRAIN_ROLE_ARN=arn:aws:iam::123456789012:role/climate-health-train"));
    for (String name : List.of("process.json", "scan.json", "train.json", "process-policy.json", "scan-policy.json",
        "train-policy.json", "trust-policy.json")) {
      args.add(dir.resolve(name).toString());
    }

    Result result = run(args.toArray(String[]::new));

    assertThat(result.code).as(result.err).isZero();
    assertThat(result.out.lines().toList()).containsExactly(
        "job\tclimate-health-process\t" + out.resolve("process.create.json") + "\t" + out.resolve("process.update.json"),
        "job\tclimate-health-scan\t" + out.resolve("scan.create.json") + "\t" + out.resolve("scan.update.json"),
        "job\tclimate-health-train\t" + out.resolve("train.create.json") + "\t" + out.resolve("train.update.json"),
        "policy\tprocess-policy.json\t" + out.resolve("process-policy.json"),
        "policy\tscan-policy.json\t" + out.resolve("scan-policy.json"),
        "policy\ttrain-policy.json\t" + out.resolve("train-policy.json"),
        "policy\ttrust-policy.json\t" + out.resolve("trust-policy.json"),
        // a role shared by several jobs needs each of their policies
        "role\tarn:aws:iam::123456789012:role/climate-health-glue\tclimate-health-process,climate-health-scan\t"
            + out.resolve("process-policy.json") + "\t" + out.resolve("scan-policy.json"),
        "role\tarn:aws:iam::123456789012:role/climate-health-train\tclimate-health-train\t"
            + out.resolve("train-policy.json"));
    JsonNode created = JSON.readTree(out.resolve("process.create.json").toFile());
    assertThat(created.at("/Command/ScriptLocation").textValue())
        .isEqualTo("s3://deploy-bucket/glue/climate-health/glue/entry-point.scala");
    assertThat(created.at("/Tags/a").textValue()).isEqualTo("b");
    assertThat(JSON.readTree(out.resolve("train.create.json").toFile()).get("Role").textValue())
        .isEqualTo("arn:aws:iam::123456789012:role/climate-health-train");
    JsonNode updated = JSON.readTree(out.resolve("process.update.json").toFile());
    assertThat(updated.get("JobName").textValue()).isEqualTo("climate-health-process");
    assertThat(updated.get("JobUpdate").has("Tags")).isFalse();
    assertThat(JSON.readTree(out.resolve("process-policy.json").toFile()).at("/Statement/0/Resource").textValue())
        .isEqualTo("arn:aws:s3:::climate-raw/*");
  }

  @Test
  void aJobWithoutItsPolicyIsRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
    Path job = dir.resolve("process.json");
    Files.writeString(job, """
        {"Name": "${JOB_PREFIX}process", "Role": "${PROCESS_ROLE_ARN}",
         "Command": {"Name": "glueetl", "ScriptLocation": "${ARTIFACTS}/glue/entry-point.scala"}}""");
    List<String> args = new java.util.ArrayList<>(List.of("render", "--out", dir.resolve("out").toString()));
    given().forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    args.add(job.toString());

    Result result = run(args.toArray(String[]::new));

    assertThat(result.code).isEqualTo(2);
    assertThat(result.err.lines().toList()).containsExactly("error: no IAM policy for job climate-health-process ("
        + job + "): expected process-policy.json among the files");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void theCommandLineExits2WithOneLineOnABadValueAndWritesNothing(@TempDir Path dir) throws Exception {
    Path job = dir.resolve("process.json");
    Files.writeString(job, "{\"Name\": \"${JOB_PREFIX}process\"}");
    Map<String, String> given = new HashMap<>(given());
    given.put("REGION", "nowhere");
    List<String> args = new java.util.ArrayList<>(List.of("render", "--out", dir.resolve("out").toString()));
    given.forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    args.add(job.toString());

    Result result = run(args.toArray(String[]::new));

    assertThat(result.code).isEqualTo(2);
    assertThat(result.err.lines().toList()).containsExactly(
        "error: bad REGION 'nowhere': expected a region name such as eu-west-2");
    assertThat(result.out).isEmpty();
    assertThat(dir.resolve("out")).doesNotExist();

    Files.writeString(job, "{\"Name\": ");
    given.put("REGION", "eu-west-2");
    List<String> again = new java.util.ArrayList<>(List.of("render", "--out", dir.resolve("out").toString()));
    given.forEach((k, v) -> again.addAll(List.of("--set", k + "=" + v)));
    again.add(job.toString());
    Result malformed = run(again.toArray(String[]::new));
    assertThat(malformed.code).isEqualTo(2);
    assertThat(malformed.err).startsWith("error: malformed JSON in " + job + ": ");
  }

  @Test
  void theCommandLineExplainsItsUsage() {
    Result none = run();
    assertThat(none.code).isEqualTo(2);
    assertThat(none.err).startsWith("error: expected the 'render' command\nusage: GlueJobs render --out DIR");
    assertThat(run("render", "x.json").err).startsWith("error: --out DIR is required");
    assertThat(run("render", "--out").err).startsWith("error: --out needs a value");
    assertThat(run("render", "--out", "d", "--set", "NOEQUALS", "x.json").err)
        .startsWith("error: bad --set 'NOEQUALS': expected KEY=VALUE");
  }

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = GlueJobs.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
