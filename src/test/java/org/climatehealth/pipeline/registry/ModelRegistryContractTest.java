package org.climatehealth.pipeline.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.climatehealth.pipeline.UsageError;
import org.climatehealth.pipeline.registry.ModelMetadata.DataRange;
import org.climatehealth.pipeline.registry.ModelMetadata.Gate;
import org.climatehealth.pipeline.registry.ModelRegistry.Claim;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry's behaviour over any {@link Storage}: subclasses supply an empty models store; the
 * same tests run against local disk and a real S3 API (S3Proxy). No Spark: a "model" here is a
 * couple of files under {@code model/}.
 */
public abstract class ModelRegistryContractTest {

  static final Instant T0 = Instant.parse("2024-06-01T10:00:00Z");

  protected Storage storage;
  protected ModelRegistry registry;
  protected final SettableClock clock = new SettableClock(T0);

  @TempDir protected Path tempDir;

  /** An empty models store, new for each test. */
  protected abstract Storage newStorage();

  @BeforeEach
  void setUpRegistry() {
    storage = newStorage();
    registry = new ModelRegistry(storage, clock);
  }

  // ----- layout -----

  @Test
  void keysFollowTheContractLayout() {
    assertThat(ModelRegistry.versionKey("risk", 3)).isEqualTo("models/risk/v0003/");
    assertThat(ModelRegistry.modelKey("risk", 3)).isEqualTo("models/risk/v0003/model/");
    assertThat(ModelRegistry.metadataKey("risk", 3)).isEqualTo("models/risk/v0003/metadata.json");
    assertThat(ModelRegistry.metadataKey("heat_illness2", 12345)).isEqualTo("models/heat_illness2/v12345/metadata.json");
    Claim claim = new Claim("forecast", 7, "run-1");
    assertThat(claim.modelKey()).isEqualTo("models/forecast/v0007/model/");
    assertThat(claim.metadataKey()).isEqualTo("models/forecast/v0007/metadata.json");
    assertThat(registry.sparkPath(claim.modelKey())).isEqualTo(storage.uri().sparkPath("models/forecast/v0007/model/"));
  }

  @Test
  void badNamesAndVersionsAreUsageErrors() {
    for (String bad : List.of("Risk", "1risk", "risk-model", "", "../risk", "risk/v1", "_risk")) {
      assertThatThrownBy(() -> ModelRegistry.versionKey(bad, 1)).as(bad)
          .isInstanceOf(RegistryUsageException.class).isInstanceOf(UsageError.class)
          .hasMessageStartingWith("bad model name '" + bad + "'");
      assertThatThrownBy(() -> registry.claim(bad, "run-1")).isInstanceOf(RegistryUsageException.class);
      assertThatThrownBy(() -> registry.versions(bad)).isInstanceOf(RegistryUsageException.class);
    }
    assertThatThrownBy(() -> ModelRegistry.versionKey("risk", 0)).isInstanceOf(RegistryUsageException.class);
    assertThat(storage.list("")).isEmpty();
  }

  @Test
  void versionsAreWrittenAsANumberWithOrWithoutAVAndPadding() {
    assertThat(ModelRegistry.parseVersion("3")).isEqualTo(3);
    assertThat(ModelRegistry.parseVersion("v3")).isEqualTo(3);
    assertThat(ModelRegistry.parseVersion("v0003")).isEqualTo(3);
    assertThat(ModelRegistry.parseVersion("V12")).isEqualTo(12);
    assertThat(ModelRegistry.parseVersion("0012")).isEqualTo(12);
    for (String bad : List.of("0", "v0000", "x", "v", "-1", "3.0", "", "v 3")) {
      assertThatThrownBy(() -> ModelRegistry.parseVersion(bad)).as(bad)
          .isInstanceOf(RegistryUsageException.class)
          .hasMessage("bad model version '" + bad + "': expected a number from 1, like 3, v3 or v0003");
    }
  }

  // ----- claims -----

  @Test
  void claimsCountUpFromOnePerModelAndLeaveAMarkerWithTheRun() {
    Claim first = registry.claim("risk", "run-a");
    clock.set(T0.plusSeconds(60));
    Claim second = registry.claim("risk", "run-b");
    Claim forecast = registry.claim("forecast", "run-a");

    assertThat(first).isEqualTo(new Claim("risk", 1, "run-a"));
    assertThat(second).isEqualTo(new Claim("risk", 2, "run-b"));
    assertThat(forecast).isEqualTo(new Claim("forecast", 1, "run-a"));
    @SuppressWarnings("unchecked")
    Map<String, Object> marker = storage.readJson("models/risk/v0002/_claim.json", Map.class);
    assertThat(marker).containsEntry("run_id", "run-b").containsEntry("claimed_at", "2024-06-01T10:01:00Z")
        .containsEntry("name", "risk").containsEntry("version", 2);
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly(
        "models/forecast/v0001/_claim.json", "models/risk/v0001/_claim.json", "models/risk/v0002/_claim.json");
  }

  @Test
  void anAbandonedTrainingKeepsItsNumberSoTheGapStays() {
    Claim one = registry.claim("risk", "run-1");
    saveModel(one);
    registry.register(one, metadata(one, ModelMetadata.PENDING, true));
    Claim two = registry.claim("risk", "run-2");
    saveModel(two);

    registry.abandon(two);

    assertThat(storage.list("models/risk/v0002/")).extracting(ObjectInfo::key)
        .containsExactly("models/risk/v0002/_claim.json");
    Claim three = registry.claim("risk", "run-3");
    assertThat(three.version()).isEqualTo(3);
    saveModel(three);
    registry.register(three, metadata(three, ModelMetadata.PENDING, true));
    assertThat(registry.versions("risk")).extracting(ModelMetadata::version).containsExactly(1, 3);
    // the claim marker alone does not make a version
    assertThat(registry.get("risk", 2)).isEmpty();
  }

  @Test
  void aRegisteredVersionCannotBeAbandoned() {
    Claim one = registry.claim("risk", "run-1");
    saveModel(one);
    registry.register(one, metadata(one, ModelMetadata.PENDING, true));

    assertThatThrownBy(() -> registry.abandon(one)).isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot abandon risk v0001 (run run-1): it is registered; reject it instead");
    assertThat(storage.list("models/risk/v0001/")).hasSize(4);
  }

  @Test
  void concurrentClaimsGetDistinctVersions() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Integer> versions = new ArrayList<>();
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<Claim>> claims = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String runId = "run-" + t;
        claims.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return registry.claim("risk", runId);
        }));
      }
      for (Future<Claim> claim : claims) {
        versions.add(claim.get(60, TimeUnit.SECONDS).version());
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(versions).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(storage.list("models/risk/")).hasSize(8);
  }

  // ----- registering -----

  @Test
  void aVersionIsInvisibleUntilItsMetadataIsRegistered() {
    Claim claim = registry.claim("risk", "run-1");
    saveModel(claim);
    storage.writeText("models/README.md", "not a model");

    assertThat(registry.names()).isEmpty();
    assertThat(registry.all()).isEmpty();
    assertThat(registry.versions("risk")).isEmpty();
    assertThat(registry.get("risk", 1)).isEmpty();
    assertThat(registry.latest("risk")).isEmpty();

    clock.set(T0.plusSeconds(90));
    ModelMetadata written = registry.register(claim, metadata(claim, ModelMetadata.PENDING, true));

    assertThat(written.createdAt()).isEqualTo("2024-06-01T10:01:30Z");
    assertThat(registry.names()).containsExactly("risk");
    assertThat(registry.get("risk", 1)).contains(written);
    assertThat(registry.latest("risk")).contains(written);
    assertThat(registry.versions("risk")).containsExactly(written);
    assertThat(storage.readText("models/risk/v0001/metadata.json"))
        .contains("\"created_at\" : \"2024-06-01T10:01:30Z\"").contains("\"run_id\" : \"run-1\"")
        .contains("\"status\" : \"pending\"").contains("\"roc_auc\" : 0.81");
  }

  @Test
  void registerKeepsAGivenCreatedAtAndListsEverythingByNameThenVersion() {
    ModelMetadata risk1 = registerNew("risk", ModelMetadata.APPROVED, true);
    ModelMetadata forecast1 = registerNew("forecast", ModelMetadata.PENDING, true);
    ModelMetadata risk2 = registerNew("risk", ModelMetadata.PENDING, true);
    Claim abalone = registry.claim("abalone", "run-x");
    saveModel(abalone);
    ModelMetadata given = metadata(abalone, ModelMetadata.PENDING, true);
    given = new ModelMetadata(given.name(), given.version(), "2023-01-01T00:00:00Z", given.runId(), given.algorithm(),
        given.parameters(), given.features(), given.label(), given.training(), given.evaluation(),
        given.rowsExcluded(), given.metrics(), given.metricsUnavailable(), given.backtest(), given.gate(), given.status(), null, null, null, null, null);
    ModelMetadata abalone1 = registry.register(abalone, given);

    assertThat(abalone1.createdAt()).isEqualTo("2023-01-01T00:00:00Z");
    assertThat(registry.names()).containsExactly("abalone", "forecast", "risk");
    assertThat(registry.all()).containsExactly(abalone1, forecast1, risk1, risk2);
  }

  @Test
  void registerRefusesMetadataThatDoesNotMatchTheClaim() {
    Claim claim = registry.claim("risk", "run-1");
    saveModel(claim);

    assertThatThrownBy(() -> registry.register(claim, metadata(new Claim("forecast", 1, "run-1"), "pending", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metadata of forecast v0001 (run run-1) does not match the claim risk v0001 (run run-1)");
    assertThatThrownBy(() -> registry.register(claim, metadata(new Claim("risk", 2, "run-1"), "pending", true)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> registry.register(claim, metadata(new Claim("risk", 1, "run-9"), "pending", true)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> registry.register(claim, metadata(claim, "maybe", true)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("status 'maybe'");
    assertThat(storage.exists("models/risk/v0001/metadata.json")).isFalse();
  }

  @Test
  void registerRefusesClaimsThatAreNotTheRunsAndModelsNotSaved() {
    Claim claim = registry.claim("risk", "run-1");

    assertThatThrownBy(() -> registry.register(claim, metadata(claim, "pending", true)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot register risk v0001 (run run-1): nothing is saved under "
            + storage.uri().resolve("models/risk/v0001/model/") + "; save the model first");

    saveModel(claim);
    Claim stolen = new Claim("risk", 1, "run-2");
    assertThatThrownBy(() -> registry.register(stolen, metadata(stolen, "pending", true)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot register risk v0001 (run run-2): " + storage.uri().resolve("models/risk/v0001/")
            + " was claimed by run run-1");
    Claim forged = new Claim("risk", 5, "run-1");
    assertThatThrownBy(() -> registry.register(forged, metadata(forged, "pending", true)))
        .isInstanceOf(IllegalStateException.class).hasMessageEndingWith(" was never claimed");

    ModelMetadata first = registry.register(claim, metadata(claim, "pending", true));
    assertThatThrownBy(() -> registry.register(claim, metadata(claim, "approved", true)))
        .isInstanceOf(IllegalStateException.class).hasMessageEndingWith("metadata.json already exists");
    assertThat(registry.get("risk", 1)).contains(first);
    // the very same registration again (an SDK retry of a write whose answer was lost) is not a conflict
    assertThat(registry.register(claim, metadata(claim, "pending", true))).isEqualTo(first);
  }

  // ----- reading by status -----

  @Test
  void latestIsTheHighestVersionAndLatestApprovedTheHighestApprovedOne() {
    registerNew("risk", ModelMetadata.APPROVED, true);
    registerNew("risk", ModelMetadata.PENDING, true);
    registerNew("risk", ModelMetadata.REJECTED, false);

    assertThat(registry.latest("risk").orElseThrow().version()).isEqualTo(3);
    assertThat(registry.latestApproved("risk").orElseThrow().version()).isEqualTo(1);
    assertThat(registry.requireApproved("risk").version()).isEqualTo(1);

    registry.approve("risk", 2, "alice");
    assertThat(registry.latestApproved("risk").orElseThrow().version()).isEqualTo(2);
    assertThat(registry.latest("forecast")).isEmpty();
    assertThat(registry.latestApproved("forecast")).isEmpty();
  }

  @Test
  void requireApprovedSaysWhatToDoAndNamesPendingVersions() {
    registerNew("risk", ModelMetadata.PENDING, true);
    registerNew("risk", ModelMetadata.REJECTED, false);
    registerNew("risk", ModelMetadata.PENDING, true);

    assertThatThrownBy(() -> registry.requireApproved("risk"))
        .isInstanceOf(NoApprovedModelException.class).isInstanceOf(UsageError.class)
        .hasMessage("no approved version of model 'risk' in " + storage.uri() + ": pending approval: v0001, v0003;"
            + " approve one with `scripts/pipeline models approve risk 3`, or train a new one with"
            + " `scripts/pipeline train --model risk`")
        .satisfies(e -> assertThat(((NoApprovedModelException) e).pendingVersions()).containsExactly(1, 3));
    assertThatThrownBy(() -> registry.requireApproved("forecast"))
        .isInstanceOf(NoApprovedModelException.class)
        .hasMessage("no approved version of model 'forecast' in " + storage.uri()
            + ": train one with `scripts/pipeline train --model forecast`");
  }

  @Test
  void unknownNamesAndVersionsAreUsageErrorsNamingWhatExists() {
    assertThatThrownBy(() -> registry.require("risk", 1)).isInstanceOf(ModelNotFoundException.class)
        .isInstanceOf(UsageError.class)
        .hasMessage("no model 'risk' is registered in " + storage.uri() + ": no models are registered there yet");

    registerNew("risk", ModelMetadata.PENDING, true);
    registerNew("risk", ModelMetadata.PENDING, true);
    registerNew("forecast", ModelMetadata.PENDING, true);
    registry.claim("risk", "run-in-progress");

    assertThatThrownBy(() -> registry.approve("riks", 1, "alice")).isInstanceOf(ModelNotFoundException.class)
        .hasMessage("no model 'riks' is registered in " + storage.uri() + ": registered models are forecast, risk");
    assertThatThrownBy(() -> registry.reject("risk", 3, "alice", null)).isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model 'risk' has no registered version v0003 in " + storage.uri()
            + ": registered versions are v0001, v0002");
    assertThatThrownBy(() -> registry.requireLatest("abalone")).isInstanceOf(ModelNotFoundException.class);
    assertThat(registry.requireLatest("risk").version()).isEqualTo(2);
  }

  // ----- approve and reject -----

  @Test
  void approvingAPendingVersionRecordsWhoAndWhenAndApprovingAgainChangesNothing() {
    registerNew("risk", ModelMetadata.PENDING, true);
    clock.set(T0.plus(Duration.ofHours(2)));

    ModelMetadata approved = registry.approve("risk", 1, "alice");

    assertThat(approved.status()).isEqualTo(ModelMetadata.APPROVED);
    assertThat(approved.approvedBy()).isEqualTo("alice");
    assertThat(approved.approvedAt()).isEqualTo("2024-06-01T12:00:00Z");
    assertThat(approved.statusReason()).isEqualTo("approved by alice");
    assertThat(registry.get("risk", 1)).contains(approved);
    assertThat(storage.readText("models/risk/v0001/metadata.json"))
        .contains("\"approved_by\" : \"alice\"").contains("\"approved_at\" : \"2024-06-01T12:00:00Z\"")
        .contains("\"status_reason\" : \"approved by alice\"");

    clock.set(T0.plus(Duration.ofHours(3)));
    assertThat(registry.approve("risk", 1, "bob")).isEqualTo(approved);
    assertThat(registry.get("risk", 1)).contains(approved);
  }

  @Test
  void rejectingRecordsWhyAndAManuallyRejectedVersionCanBeApprovedAgain() {
    registerNew("risk", ModelMetadata.PENDING, true);
    registry.approve("risk", 1, "alice");
    clock.set(T0.plus(Duration.ofDays(1)));

    ModelMetadata rejected = registry.reject("risk", 1, "bob", "  drifted after the monsoon  ");

    assertThat(rejected.status()).isEqualTo(ModelMetadata.REJECTED);
    assertThat(rejected.rejectedBy()).isEqualTo("bob");
    assertThat(rejected.rejectedAt()).isEqualTo("2024-06-02T10:00:00Z");
    assertThat(rejected.statusReason()).isEqualTo("drifted after the monsoon");
    assertThat(rejected.approvedBy()).as("the earlier approval stays on record").isEqualTo("alice");
    assertThat(registry.latestApproved("risk")).isEmpty();
    // rejecting again changes nothing
    clock.set(T0.plus(Duration.ofDays(2)));
    assertThat(registry.reject("risk", 1, "carol", "again")).isEqualTo(rejected);

    ModelMetadata reapproved = registry.approve("risk", 1, "carol");
    assertThat(reapproved.status()).isEqualTo(ModelMetadata.APPROVED);
    assertThat(reapproved.approvedBy()).isEqualTo("carol");
    assertThat(reapproved.approvedAt()).isEqualTo("2024-06-03T10:00:00Z");
    assertThat(registry.requireApproved("risk")).isEqualTo(reapproved);
  }

  @Test
  void rejectingAPendingVersionWithoutAReasonSaysWho() {
    registerNew("risk", ModelMetadata.PENDING, true);

    assertThat(registry.reject("risk", 1, "alice", null).statusReason()).isEqualTo("rejected by alice");
  }

  @Test
  void aVersionThatMissedItsGateCannotBeApproved() {
    ModelMetadata failed = registerNew("risk", ModelMetadata.REJECTED, false);

    assertThatThrownBy(() -> registry.approve("risk", 1, "alice"))
        .isInstanceOf(RegistryUsageException.class).isInstanceOf(UsageError.class)
        .hasMessage("cannot approve risk v0001: it missed its quality gate (roc_auc 0.6000 is 0.1500 below the"
            + " gate's minimum 0.7500); train a new version with `scripts/pipeline train --model risk`");
    assertThat(registry.get("risk", 1)).contains(failed);
    assertThatThrownBy(() -> registry.approve("risk", 1, " ")).isInstanceOf(RegistryUsageException.class)
        .hasMessageContaining("--by WHO");
  }

  // ----- helpers -----

  /** Two files under model/, as a saved pipeline would leave (metadata and a stage). */
  protected void saveModel(Claim claim) {
    storage.writeText(claim.modelKey() + "metadata/part-00000", "{\"class\":\"org.apache.spark.ml.PipelineModel\"}");
    storage.writeText(claim.modelKey() + "stages/0_gbt/data/part-00000.parquet", "PAR1");
  }

  /** Claims, saves and registers the next version of {@code name}. */
  protected ModelMetadata registerNew(String name, String status, boolean gatePassed) {
    Claim claim = registry.claim(name, "run-" + name);
    saveModel(claim);
    return registry.register(claim, metadata(claim, status, gatePassed));
  }

  /** Risk-model-like metadata: ROC AUC 0.81 passing a 0.75 gate, or 0.6 failing it. */
  protected static ModelMetadata metadata(Claim claim, String status, boolean gatePassed) {
    double auc = gatePassed ? 0.81 : 0.6;
    Gate gate = gatePassed
        ? new Gate("roc_auc", ">=", 0.75, auc, true, "roc_auc 0.8100 meets the gate's minimum 0.7500")
        : new Gate("roc_auc", ">=", 0.75, auc, false, "roc_auc 0.6000 is 0.1500 below the gate's minimum 0.7500");
    boolean gateRejected = ModelMetadata.REJECTED.equals(status) && !gatePassed;
    return new ModelMetadata(claim.name(), claim.version(), null, claim.runId(), "GBTClassifier",
        Map.of("maxDepth", 5), List.of("rainfall_7d_mm", "temperature_max_7d_mean_c"), "incidence above 10/100k",
        new DataRange("2023-01-01", "2023-12-31", 3650, null), new DataRange("2024-01-01", "2024-02-29", 600, null),
        Map.of("no_label_yet", 70L), Map.of("roc_auc", auc), Map.of(), null, gate, status,
        ModelMetadata.APPROVED.equals(status) ? "policy:auto" : null,
        ModelMetadata.APPROVED.equals(status) ? T0.toString() : null,
        gateRejected ? "gate" : null, gateRejected ? T0.toString() : null,
        gateRejected ? gate.message() : null);
  }

  /** A clock that stays where it is set. */
  protected static final class SettableClock extends Clock {
    private volatile Instant now;

    SettableClock(Instant now) {
      this.now = now;
    }

    void set(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
