package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.registry.ModelMetadata;
import org.climatehealth.pipeline.registry.ModelMetadata.Gate;
import org.climatehealth.pipeline.registry.ModelRegistry;
import org.climatehealth.pipeline.registry.ModelRegistry.Claim;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The models command over a local models store, run in process as main runs it. */
class ModelsCommandTest {

  @TempDir Path dir;
  private Path store;
  private Storage storage;
  private ModelRegistry registry;

  @BeforeEach
  void emptyStore() {
    store = dir.resolve("models-bucket");
    storage = new LocalStorage(StoreUri.local(store));
    registry = new ModelRegistry(storage, Clock.fixed(Instant.parse("2024-06-01T10:00:00Z"), ZoneOffset.UTC));
  }

  private CliRun run(String... args) {
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--conf";
    all[args.length + 1] = "pipeline.stores.models=file:" + store;
    return CliRun.of(all);
  }

  /** risk v0001 approved, risk v0002 rejected by its gate, forecast v0001 pending. */
  private void threeVersions() {
    Map<String, Double> risk1 = new LinkedHashMap<>();
    risk1.put("roc_auc", 0.81234);
    register("risk", ModelMetadata.APPROVED, risk1, true);
    register("risk", ModelMetadata.REJECTED, Map.of("roc_auc", 0.6), false);
    Map<String, Double> forecast = new LinkedHashMap<>();
    forecast.put("mae", 12.3456);
    forecast.put("seasonal_naive_mae", 15.0);
    register("forecast", ModelMetadata.PENDING, forecast, true);
  }

  private void register(String name, String status, Map<String, Double> metrics, boolean gatePassed) {
    Claim claim = registry.claim(name, "run-" + name);
    storage.writeText(claim.modelKey() + "metadata/part-00000", "{}");
    Gate gate = new Gate("m", ">=", 0.75, 0.6, gatePassed, gatePassed ? "m passes" : "m 0.6000 is 0.1500 below the gate's minimum 0.7500");
    boolean byGate = !gatePassed;
    registry.register(claim, new ModelMetadata(name, claim.version(), null, claim.runId(), "GBT", Map.of(),
        List.of("x"), "y", null, null, null, metrics, Map.of(), null, gate, status,
        ModelMetadata.APPROVED.equals(status) ? "policy:auto" : null,
        ModelMetadata.APPROVED.equals(status) ? "2024-06-01T10:00:00Z" : null,
        byGate ? "gate" : null, byGate ? "2024-06-01T10:00:00Z" : null, byGate ? gate.message() : null));
  }

  @Test
  void listOnAnEmptyStoreSaysSo() {
    CliRun result = run("models", "list");

    assertThat(result.exitCode()).isZero();
    assertThat(result.outLines()).containsExactly("no models registered in file:" + store);
    assertThat(result.err()).isEmpty();
  }

  @Test
  void listShowsATableByNameThenVersion() {
    threeVersions();
    registry.claim("risk", "run-in-progress"); // not registered: not listed

    CliRun result = run("models", "list");

    assertThat(result.exitCode()).isZero();
    assertThat(result.outLines()).containsExactly(
        "NAME      VERSION  STATUS    CREATED_AT            GATE    METRICS",
        "forecast  v0001    pending   2024-06-01T10:00:00Z  passed  mae=12.35 seasonal_naive_mae=15",
        "risk      v0001    approved  2024-06-01T10:00:00Z  passed  roc_auc=0.8123",
        "risk      v0002    rejected  2024-06-01T10:00:00Z  failed  roc_auc=0.6");
  }

  @Test
  void listFiltersByName() {
    threeVersions();

    assertThat(run("models", "list", "--name", "risk").outLines()).containsExactly(
        "NAME  VERSION  STATUS    CREATED_AT            GATE    METRICS",
        "risk  v0001    approved  2024-06-01T10:00:00Z  passed  roc_auc=0.8123",
        "risk  v0002    rejected  2024-06-01T10:00:00Z  failed  roc_auc=0.6");
    assertThat(run("models", "list", "--name", "abalone").outLines())
        .containsExactly("no versions of model 'abalone' registered in file:" + store);
  }

  @Test
  void showPrintsTheLatestOrTheGivenVersionAsJson() {
    threeVersions();

    CliRun latest = run("models", "show", "risk");
    CliRun first = run("models", "show", "risk", "v0001");

    assertThat(latest.exitCode()).isZero();
    assertThat(latest.out()).startsWith("{").contains("\"name\" : \"risk\"").contains("\"version\" : 2,")
        .contains("\"status\" : \"rejected\"").contains("\"rejected_by\" : \"gate\"");
    assertThat(first.out()).contains("\"version\" : 1,").contains("\"approved_by\" : \"policy:auto\"")
        .contains("\"created_at\" : \"2024-06-01T10:00:00Z\"");
    assertThat(run("models", "show", "risk", "1").out()).isEqualTo(first.out());
  }

  @Test
  void approveSaysWhatChangedAndAgainThatNothingDid() {
    threeVersions();

    CliRun approve = run("models", "approve", "forecast", "v1", "--by", "alice");

    assertThat(approve.exitCode()).isZero();
    assertThat(approve.outLines()).containsExactly("approved forecast v0001 (was pending) by alice");
    ModelMetadata stored = registry.get("forecast", 1).orElseThrow();
    assertThat(stored.status()).isEqualTo(ModelMetadata.APPROVED);
    assertThat(stored.approvedBy()).isEqualTo("alice");
    assertThat(Instant.parse(stored.approvedAt())).isBetween(Instant.now().minusSeconds(600), Instant.now());

    CliRun again = run("models", "approve", "forecast", "1", "--by", "bob");
    assertThat(again.exitCode()).isZero();
    assertThat(again.outLines()).containsExactly(
        "forecast v0001 is already approved (by alice at " + stored.approvedAt() + "): nothing changed");
  }

  @Test
  void whoDefaultsToTheUserName() {
    threeVersions();

    CliRun result = run("models", "approve", "forecast", "1");

    assertThat(result.outLines()).containsExactly(
        "approved forecast v0001 (was pending) by " + System.getProperty("user.name"));
    assertThat(registry.get("forecast", 1).orElseThrow().approvedBy()).isEqualTo(System.getProperty("user.name"));
  }

  @Test
  void rejectRecordsTheReason() {
    threeVersions();

    CliRun result = run("models", "reject", "risk", "1", "--by", "bob", "--reason", "drifted after the monsoon");

    assertThat(result.exitCode()).isZero();
    assertThat(result.outLines()).containsExactly("rejected risk v0001 (was approved) by bob: drifted after the monsoon");
    ModelMetadata stored = registry.get("risk", 1).orElseThrow();
    assertThat(stored.status()).isEqualTo(ModelMetadata.REJECTED);
    assertThat(stored.rejectedBy()).isEqualTo("bob");
    assertThat(stored.statusReason()).isEqualTo("drifted after the monsoon");

    CliRun noReason = run("models", "reject", "forecast", "1", "--by", "bob");
    assertThat(noReason.outLines()).containsExactly("rejected forecast v0001 (was pending) by bob");
    CliRun again = run("models", "reject", "forecast", "1", "--by", "carol");
    assertThat(again.outLines()).containsExactly("forecast v0001 is already rejected (by bob at "
        + registry.get("forecast", 1).orElseThrow().rejectedAt() + ": rejected by bob): nothing changed");
  }

  @Test
  void refusedAndUnknownRequestsExitWithTwoAndOneLine() {
    threeVersions();

    CliRun gateFailed = run("models", "approve", "risk", "2", "--by", "alice");
    assertThat(gateFailed.exitCode()).isEqualTo(2);
    assertThat(gateFailed.errLines()).containsExactly("error: cannot approve risk v0002: it missed its quality gate"
        + " (m 0.6000 is 0.1500 below the gate's minimum 0.7500); train a new version with"
        + " `scripts/pipeline train --model risk`");
    assertThat(registry.get("risk", 2).orElseThrow().status()).isEqualTo(ModelMetadata.REJECTED);

    CliRun unknownVersion = run("models", "show", "risk", "7");
    assertThat(unknownVersion.exitCode()).isEqualTo(2);
    assertThat(unknownVersion.errLines()).containsExactly("error: model 'risk' has no registered version v0007 in file:"
        + store + ": registered versions are v0001, v0002");

    CliRun unknownName = run("models", "reject", "abalone", "1");
    assertThat(unknownName.exitCode()).isEqualTo(2);
    assertThat(unknownName.errLines()).containsExactly("error: no model 'abalone' is registered in file:" + store
        + ": registered models are forecast, risk");

    CliRun badVersion = run("models", "approve", "risk", "latest");
    assertThat(badVersion.exitCode()).isEqualTo(2);
    assertThat(badVersion.errLines()).containsExactly(
        "error: bad model version 'latest': expected a number from 1, like 3, v3 or v0003");

    CliRun badName = run("models", "show", "Risk");
    assertThat(badName.exitCode()).isEqualTo(2);
    assertThat(badName.errLines()).containsExactly("error: bad model name 'Risk': use lower-case letters, digits"
        + " and '_', starting with a letter (e.g. risk)");
  }

  @Test
  void missingSubcommandOrArgumentsAreUsageErrors() {
    CliRun none = CliRun.of("models");
    assertThat(none.exitCode()).isEqualTo(2);
    assertThat(none.errLines().get(0)).isEqualTo("error: missing models command: one of list, show, approve, reject");

    CliRun noVersion = run("models", "approve", "risk");
    assertThat(noVersion.exitCode()).isEqualTo(2);
    assertThat(noVersion.errLines().get(0)).isEqualTo("error: Missing required parameter: 'VERSION'");
  }

  @Test
  void helpDescribesEverySubcommand() {
    CliRun help = CliRun.of("models", "--help");

    assertThat(help.exitCode()).isZero();
    assertThat(help.out()).contains("list").contains("show").contains("approve").contains("reject")
        .contains("VERSION is written 3, v3 or v0003.");
    assertThat(CliRun.of("models", "reject", "--help").out()).contains("--reason=TEXT").contains("--by=WHO")
        .contains("default: the user name, " + System.getProperty("user.name"));
  }
}
