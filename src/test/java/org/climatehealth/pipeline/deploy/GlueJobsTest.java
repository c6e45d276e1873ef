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
        .containsEntry("ARTIFACTS_OBJECTS", "deploy-bucket/glue/climate-health/*");
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
            + "the job role may delete in processed and must not in raw; give them separate buckets or prefixes");

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
  void theCommandLineWritesCreateAndUpdateRequestsAndPoliciesAndListsThem(@TempDir Path dir) throws Exception {
    Path job = dir.resolve("process.json");
    Files.writeString(job, """
        {"Name": "${JOB_PREFIX}process", "Role": "${ROLE_ARN}",
         "Command": {"Name": "glueetl", "ScriptLocation": "${ARTIFACTS}/glue/entry-point.scala"},
         "Tags": {"a": "b"}}""");
    Path policy = dir.resolve("policy.json");
    Files.writeString(policy, """
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
          "Resource": "arn:${PARTITION}:s3:::${RAW_OBJECTS}"}]}""");
    Path out = dir.resolve("out");
    List<String> args = new java.util.ArrayList<>(List.of("render", "--out", out.toString()));
    given().forEach((k, v) -> args.addAll(List.of("--set", k + "=" + v)));
    args.addAll(List.of(job.toString(), policy.toString()));

    Result result = run(args.toArray(String[]::new));

    assertThat(result.code).as(result.err).isZero();
    assertThat(result.out.lines().toList()).containsExactly(
        "job\tclimate-health-process\t" + out.resolve("process.create.json") + "\t" + out.resolve("process.update.json"),
        "policy\tpolicy.json\t" + out.resolve("policy.json"));
    JsonNode created = JSON.readTree(out.resolve("process.create.json").toFile());
    assertThat(created.at("/Command/ScriptLocation").textValue())
        .isEqualTo("s3://deploy-bucket/glue/climate-health/glue/entry-point.scala");
    assertThat(created.at("/Tags/a").textValue()).isEqualTo("b");
    JsonNode updated = JSON.readTree(out.resolve("process.update.json").toFile());
    assertThat(updated.get("JobName").textValue()).isEqualTo("climate-health-process");
    assertThat(updated.get("JobUpdate").has("Tags")).isFalse();
    assertThat(JSON.readTree(out.resolve("policy.json").toFile()).at("/Statement/0/Resource").textValue())
        .isEqualTo("arn:aws:s3:::climate-raw/*");
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
