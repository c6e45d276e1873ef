package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

  @Test
  void helpListsEveryCommandOfTheContract() {
    CliRun result = CliRun.of("--help");

    assertThat(result.exitCode()).isZero();
    for (String command : List.of("generate", "process", "train", "predict", "run", "models", "storage", "migrate",
        "scan")) {
      assertThat(result.out()).containsPattern("(?m)^\\s+" + command + "\\s");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"storage", "storage ls", "storage stats", "storage exists", "storage cat", "storage rm",
      "storage mkdir", "migrate", "process", "train", "predict", "run", "models", "models list", "models show", "models approve",
      "models reject", "scan"})
  void everyCommandHasHelp(String command) {
    String[] words = (command + " --help").split(" ");
    CliRun result = CliRun.of(words);

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).startsWith("Usage: pipeline " + command);
    assertThat(result.err()).isEmpty();
  }

  @Test
  void commonOptionsAreOnEveryWorkingCommand() {
    CliRun result = CliRun.of("migrate", "--help");
    assertThat(result.out()).contains("--env=NAME").contains("--conf=KEY=VALUE").contains("--run-id=ID");
  }

  @Test
  void noCommandOrAnUnknownOneIsAUsageError() {
    CliRun none = CliRun.of();
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.errLines().get(0)).isEqualTo("error: missing command");

    CliRun unknown = CliRun.of("frobnicate");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.errLines().get(0)).startsWith("error: Unmatched argument");

    CliRun badOption = CliRun.of("storage", "stats", "--no-such-option");
    assertThat(badOption.exitCode()).isEqualTo(2);
    assertThat(badOption.errLines().get(0)).startsWith("error: Unknown option: '--no-such-option'");
  }

  @Test
  void aRunIdThatCouldNotBeAKeyIsAUsageError() {
    CliRun result = CliRun.of("storage", "stats", "--run-id", "../x");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.errLines()).containsExactly("error: bad --run-id '../x': use 1-128 letters, digits, '.', "
        + "'_' or '-', starting with a letter or digit");
  }
}
