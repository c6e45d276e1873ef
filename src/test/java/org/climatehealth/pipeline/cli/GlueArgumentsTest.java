package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.Main;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/** The Glue spelling of a request parses to the same request as the ordinary spelling. */
class GlueArgumentsTest {

  /** Glue's own arguments, as a Glue 6.0 job run passes them. */
  private static final String[] GLUE_OWN = {
    "--JOB_NAME", "climate-health-migrate", "--JOB_ID", "j_0123456789abcdef", "--JOB_RUN_ID", "jr_abcdef0123",
    "--TempDir", "s3://aws-glue-assets-123456789012-us-east-1/temporary/", "--job-bookmark-option",
    "job-bookmark-disable", "--job-language", "scala", "--class", "org.climatehealth.pipeline.Main",
    "--extra-jars", "s3://artifacts/climate-health-pipeline.jar", "--conf", "spark.driver.memory=4g",
    "--enable-metrics", "true", "--some-future-glue-option", "x"
  };

  /** The request a command line parses to: the command path and every matched option's value. */
  private static Map<String, Object> request(String... args) {
    CommandLine commandLine = Main.createCommandLine();
    String[] cliArgs = GlueArguments.isGlueStyle(args) ? GlueArguments.toCommandLine(commandLine, args) : args;
    ParseResult result = commandLine.parseArgs(cliArgs);
    Map<String, Object> request = new LinkedHashMap<>();
    List<String> path = new ArrayList<>();
    for (ParseResult r = result.subcommand(); r != null; r = r.subcommand()) {
      path.add(r.commandSpec().name());
      for (OptionSpec option : r.matchedOptions()) {
        request.put(option.longestName(), option.getValue());
      }
      request.put("positional", r.matchedPositionals().stream().map(p -> p.getValue()).toList());
    }
    request.put("command", String.join(" ", path));
    return request;
  }

  private static String[] glue(String... jobArgs) {
    String[] all = new String[GLUE_OWN.length + jobArgs.length];
    System.arraycopy(GLUE_OWN, 0, all, 0, 10);
    System.arraycopy(jobArgs, 0, all, 10, jobArgs.length);
    System.arraycopy(GLUE_OWN, 10, all, 10 + jobArgs.length, GLUE_OWN.length - 10);
    return all;
  }

  @Test
  void aGlueRunParsesToTheSameRequestAsTheCommandLine() {
    Map<String, Object> cli = request("migrate", "--env", "aws", "--run-id", "nightly-1", "--source", "/opt/seed",
        "--dry-run", "--conf", "pipeline.stores.raw=s3://climate-raw", "--conf", "pipeline.s3.region=eu-west-2");
    Map<String, Object> glue = request(glue("--command", "migrate", "--env", "aws", "--run-id", "nightly-1",
        "--source", "/opt/seed", "--dry-run", "true", "--pipeline.stores.raw", "s3://climate-raw",
        "--pipeline.s3.region", "eu-west-2"));

    assertThat(glue).isEqualTo(cli);
    assertThat(cli).containsEntry("command", "migrate").containsEntry("--dry-run", true)
        .containsEntry("--conf", List.of("pipeline.stores.raw=s3://climate-raw", "pipeline.s3.region=eu-west-2"));
  }

  @Test
  void commandsOfSeveralWordsAndTheKeyEqualsValueForm() {
    assertThat(request("--command=storage stats", "--json=true", "--pipeline.s3.endpoint=http://127.0.0.1:9000"))
        .isEqualTo(request("storage", "stats", "--json", "--conf", "pipeline.s3.endpoint=http://127.0.0.1:9000"));
  }

  @Test
  void aFlagGivenAsFalseIsLeftOut() {
    assertThat(request(glue("--command", "migrate", "--dry-run", "false"))).isEqualTo(request("migrate"));
  }

  @Test
  void glueOwnConfIsNeverTakenForAnOverride() {
    String[] translated = GlueArguments.toCommandLine(Main.createCommandLine(), glue("--command", "migrate"));
    assertThat(translated).containsExactly("migrate");
  }

  @Test
  void anUnknownCommandIsAUsageError() {
    assertThatThrownBy(() -> request("--command", "frobnicate", "--JOB_NAME", "x"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageStartingWith("unknown command 'frobnicate' in --command; available: ")
        .hasMessageContaining("storage").hasMessageContaining("migrate").hasMessageContaining("process");

    CliRun run = CliRun.of("--command", "frobnicate");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines().get(0)).startsWith("error: unknown command 'frobnicate' in --command; available: ");
  }

  @Test
  void aGlueRunDoesTheWork(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.createDirectories(dir.resolve("seed/data/raw"));
    java.nio.file.Files.writeString(dir.resolve("seed/data/raw/locations.csv"), "location_id\nKA-BLR\n");

    CliRun run = CliRun.of(glue("--command", "migrate", "--source", dir.resolve("seed").toString(),
        "--pipeline.stores.raw", "file:" + dir.resolve("raw"), "--pipeline.stores.processed",
        "file:" + dir.resolve("processed"), "--pipeline.stores.models", "file:" + dir.resolve("models")));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(dir.resolve("raw/raw/locations.csv")).hasContent("location_id\nKA-BLR");
  }
}
