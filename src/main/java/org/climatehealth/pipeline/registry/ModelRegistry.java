package org.climatehealth.pipeline.registry;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.ObjectNotFoundException;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageException;
import org.climatehealth.pipeline.storage.StoreUri;

/**
 * The model registry over the models store: {@code models/<name>/v<NNNN>/} holds one version,
 * with the fitted Spark pipeline under {@code model/} and its {@code metadata.json}.
 *
 * <p>A training run first {@linkplain #claim claims} a version number: it creates the version's
 * claim marker ({@value #CLAIM_FILE}) with {@link Storage#createIfAbsent}, so two runs never get
 * the same number, and a number once claimed is never handed out again (the marker stays, even
 * when the training fails and is {@linkplain #abandon abandoned}). The run saves the model under
 * {@link Claim#modelKey()}, then {@linkplain #register registers} it by creating
 * {@code metadata.json}: only from then on is the version visible to readers. A version folder
 * without metadata (a training in progress, or one that failed) is invisible.
 *
 * <p>Status changes ({@link #approve}, {@link #reject}) replace {@code metadata.json} whole.
 * Model names match {@code [a-z][a-z0-9_]*}; version folders are {@code v%04d}.
 */
public final class ModelRegistry {
  /** The prefix of every model in the models store. */
  public static final String ROOT = "models/";
  /** The claim marker in a version folder. */
  public static final String CLAIM_FILE = "_claim.json";
  public static final String METADATA_FILE = "metadata.json";
  public static final String MODEL_FOLDER = "model/";

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  /** A key inside a version folder: name, version digits, the rest. */
  private static final Pattern VERSION_KEY = Pattern.compile("models/([a-z][a-z0-9_]*)/v(\\d{4,9})/(.+)");
  private static final Pattern VERSION_TEXT = Pattern.compile("[vV]?(\\d{1,9})");
  /** Claims tried in one call before giving up: far more than concurrent trainings of one model. */
  private static final int MAX_CLAIM_ATTEMPTS = 1000;

  private final Storage models;
  private final Clock clock;

  public ModelRegistry(Storage models, Clock clock) {
    this.models = Objects.requireNonNull(models, "models");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A claimed version number: where the run saves its model, and what it registers. */
  public record Claim(String name, int version, String runId) {
    /** The folder the fitted pipeline is saved to. */
    public String modelKey() {
      return ModelRegistry.modelKey(name, version);
    }

    public String metadataKey() {
      return ModelRegistry.metadataKey(name, version);
    }

    @Override
    public String toString() {
      return name + " " + ModelMetadata.versionFolder(version) + " (run " + runId + ")";
    }
  }

  /** The claim marker's content. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record ClaimMarker(String name, int version, @JsonProperty("run_id") String runId,
      @JsonProperty("claimed_at") String claimedAt) {}

  // ----- layout -----

  /** {@code models/<name>/v0003/} */
  public static String versionKey(String name, int version) {
    return ROOT + checkName(name) + "/" + ModelMetadata.versionFolder(checkVersion(version)) + "/";
  }

  /** {@code models/<name>/v0003/model/} */
  public static String modelKey(String name, int version) {
    return versionKey(name, version) + MODEL_FOLDER;
  }

  /** {@code models/<name>/v0003/metadata.json} */
  public static String metadataKey(String name, int version) {
    return versionKey(name, version) + METADATA_FILE;
  }

  /** {@code models/<name>/v0003/_claim.json} */
  public static String claimKey(String name, int version) {
    return versionKey(name, version) + CLAIM_FILE;
  }

  /**
   * A version as users write it: {@code 3}, {@code v3} or {@code v0003}.
   *
   * @throws RegistryUsageException when it is none of these
   */
  public static int parseVersion(String text) {
    Matcher matcher = VERSION_TEXT.matcher(text == null ? "" : text.trim());
    if (!matcher.matches() || Integer.parseInt(matcher.group(1)) < 1) {
      throw new RegistryUsageException("bad model version '" + text + "': expected a number from 1, like 3, v3 or v0003");
    }
    return Integer.parseInt(matcher.group(1));
  }

  /** The models store. */
  public StoreUri store() {
    return models.uri();
  }

  /** Where Spark saves or loads the pipeline at {@code key} ({@code s3a://...} or {@code file:...}). */
  public String sparkPath(String key) {
    return models.uri().sparkPath(key);
  }

  // ----- writing -----

  /**
   * Reserves the next version number of {@code name} for the run {@code runId}: one above the
   * highest number ever claimed (registered or not), or the next free one after it when another
   * run claims at the same moment. Numbers are never reused, so gaps stay where trainings failed.
   */
  public Claim claim(String name, String runId) {
    checkName(name);
    if (runId == null || runId.isBlank()) {
      throw new IllegalArgumentException("a claim needs the run id of the training");
    }
    int next = highestUsedVersion(name) + 1;
    for (int attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++, next++) {
      ClaimMarker marker = new ClaimMarker(name, next, runId, now());
      if (models.createIfAbsent(claimKey(name, next), json(marker))) {
        return new Claim(name, next, runId);
      }
    }
    throw new StorageException("cannot claim a version of model '" + name + "' in " + models.uri() + ": "
        + MAX_CLAIM_ATTEMPTS + " version numbers from " + ModelMetadata.versionFolder(next - MAX_CLAIM_ATTEMPTS)
        + " on are taken");
  }

  /**
   * Registers the model saved under {@code claim.modelKey()} by creating its metadata.json; from
   * then on the version is visible. The metadata must be of the claimed name and version (and of
   * the claiming run when it names one); {@code created_at} is set to now when absent.
   *
   * @return the metadata as written
   * @throws IllegalArgumentException when the metadata does not match the claim
   * @throws IllegalStateException when the claim is not this run's, nothing was saved under
   *     {@code model/}, or the version is already registered
   */
  public ModelMetadata register(Claim claim, ModelMetadata metadata) {
    Objects.requireNonNull(claim, "claim");
    Objects.requireNonNull(metadata, "metadata");
    if (!claim.name().equals(metadata.name()) || claim.version() != metadata.version()
        || (metadata.runId() != null && !metadata.runId().equals(claim.runId()))) {
      throw new IllegalArgumentException("metadata of " + metadata.name() + " "
          + ModelMetadata.versionFolder(metadata.version()) + " (run " + metadata.runId()
          + ") does not match the claim " + claim);
    }
    if (!List.of(ModelMetadata.PENDING, ModelMetadata.APPROVED, ModelMetadata.REJECTED).contains(metadata.status())) {
      throw new IllegalArgumentException("cannot register " + claim + " with status '" + metadata.status()
          + "': expected pending, approved or rejected");
    }
    String claimedBy = claimMarker(claim.name(), claim.version()).map(ClaimMarker::runId).orElse(null);
    if (!claim.runId().equals(claimedBy)) {
      throw new IllegalStateException("cannot register " + claim + ": " + models.uri().resolve(versionKey(claim.name(),
          claim.version())) + (claimedBy == null ? " was never claimed" : " was claimed by run " + claimedBy));
    }
    if (models.list(claim.modelKey()).isEmpty()) {
      throw new IllegalStateException("cannot register " + claim + ": nothing is saved under "
          + models.uri().resolve(claim.modelKey()) + "; save the model first");
    }
    ModelMetadata written = metadata.createdAt() != null ? metadata : withCreatedAt(metadata, now());
    if (!models.createIfAbsent(claim.metadataKey(), json(written))
        // a lost response to our own write, retried, also finds the object there: that is success
        && !get(claim.name(), claim.version()).map(written::equals).orElse(false)) {
      throw new IllegalStateException("cannot register " + claim + ": " + models.uri().resolve(claim.metadataKey())
          + " already exists");
    }
    return written;
  }

  /**
   * Clears up after a failed training: deletes whatever the run wrote under its version folder
   * except the claim marker, so the number stays used. A registered version cannot be abandoned
   * (reject it instead).
   */
  public void abandon(Claim claim) {
    Objects.requireNonNull(claim, "claim");
    if (models.stat(claim.metadataKey()).isPresent()) {
      throw new IllegalStateException("cannot abandon " + claim + ": it is registered; reject it instead");
    }
    String claimKey = claimKey(claim.name(), claim.version());
    models.deletePrefix(claim.modelKey()); // folder markers a Spark write may leave included
    for (ObjectInfo object : models.list(versionKey(claim.name(), claim.version()))) {
      if (!object.key().equals(claimKey)) {
        models.delete(object.key());
      }
    }
  }

  /**
   * Approves a version: pending (or rejected by hand) becomes approved, with who and when.
   * Approving an approved version changes nothing and returns it.
   *
   * @throws ModelNotFoundException when there is no such registered version
   * @throws RegistryUsageException when the version missed its quality gate
   */
  public ModelMetadata approve(String name, int version, String by) {
    checkWho(by);
    ModelMetadata current = require(name, version);
    if (ModelMetadata.APPROVED.equals(current.status())) {
      return current;
    }
    if (current.gate() != null && !current.gate().passed()) {
      throw new RegistryUsageException("cannot approve " + label(current) + ": it missed its quality gate ("
          + current.gate().message() + "); train a new version with `scripts/pipeline train --model " + name + "`");
    }
    return update(current.withStatus(ModelMetadata.APPROVED, by, now(), "approved by " + by));
  }

  /**
   * Rejects a version (pending or approved) with who, when and why; {@code reason} may be null.
   * Rejecting a rejected version changes nothing and returns it.
   *
   * @throws ModelNotFoundException when there is no such registered version
   */
  public ModelMetadata reject(String name, int version, String by, String reason) {
    checkWho(by);
    ModelMetadata current = require(name, version);
    if (ModelMetadata.REJECTED.equals(current.status())) {
      return current;
    }
    String why = reason == null || reason.isBlank() ? "rejected by " + by : reason.strip();
    return update(current.withStatus(ModelMetadata.REJECTED, by, now(), why));
  }

  // ----- reading -----

  /** The names with at least one registered version, sorted. */
  public List<String> names() {
    TreeSet<String> names = new TreeSet<>();
    for (Ref ref : registered(ROOT)) {
      names.add(ref.name());
    }
    return List.copyOf(names);
  }

  /** The registered versions of {@code name} (those with metadata.json), ascending; empty for an unknown name. */
  public List<ModelMetadata> versions(String name) {
    return registered(ROOT + checkName(name) + "/").stream().map(this::read).toList();
  }

  /** Every registered version, by name, then version. */
  public List<ModelMetadata> all() {
    return registered(ROOT).stream().map(this::read).toList();
  }

  /** A registered version, or empty when it is not (yet) registered. */
  public Optional<ModelMetadata> get(String name, int version) {
    try {
      return Optional.of(models.readJson(metadataKey(name, version), ModelMetadata.class));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    }
  }

  /** The highest registered version of {@code name}, whatever its status. */
  public Optional<ModelMetadata> latest(String name) {
    List<Ref> refs = registered(ROOT + checkName(name) + "/");
    return refs.isEmpty() ? Optional.empty() : Optional.of(read(refs.get(refs.size() - 1)));
  }

  /** The highest approved version of {@code name}. */
  public Optional<ModelMetadata> latestApproved(String name) {
    List<Ref> refs = registered(ROOT + checkName(name) + "/");
    for (int i = refs.size() - 1; i >= 0; i--) {
      ModelMetadata metadata = read(refs.get(i));
      if (ModelMetadata.APPROVED.equals(metadata.status())) {
        return Optional.of(metadata);
      }
    }
    return Optional.empty();
  }

  /**
   * The highest approved version of {@code name}.
   *
   * @throws NoApprovedModelException when there is none, saying what to do and naming pending versions
   */
  public ModelMetadata requireApproved(String name) {
    List<ModelMetadata> versions = versions(name);
    for (int i = versions.size() - 1; i >= 0; i--) {
      if (ModelMetadata.APPROVED.equals(versions.get(i).status())) {
        return versions.get(i);
      }
    }
    List<Integer> pending = versions.stream()
        .filter(m -> ModelMetadata.PENDING.equals(m.status()))
        .map(ModelMetadata::version)
        .toList();
    throw new NoApprovedModelException(name, models.uri().toString(), pending);
  }

  /**
   * A registered version.
   *
   * @throws ModelNotFoundException naming the registered models or versions when there is no such one
   */
  public ModelMetadata require(String name, int version) {
    Optional<ModelMetadata> found = get(name, version);
    if (found.isPresent()) {
      return found.get();
    }
    List<Integer> versions = registered(ROOT + name + "/").stream().map(Ref::version).toList();
    if (versions.isEmpty()) {
      throw unknownName(name);
    }
    throw new ModelNotFoundException("model '" + name + "' has no registered version "
        + ModelMetadata.versionFolder(version) + " in " + models.uri() + ": registered versions are "
        + String.join(", ", versions.stream().map(ModelMetadata::versionFolder).toList()));
  }

  /** The latest registered version of {@code name}; {@link ModelNotFoundException} naming the models there are when none. */
  public ModelMetadata requireLatest(String name) {
    return latest(name).orElseThrow(() -> unknownName(name));
  }

  // ----- internals -----

  /** A registered version's metadata key, parsed. */
  private record Ref(String name, int version, String key) {}

  /** The registered versions (those with metadata.json) under {@code prefix}, by name, then version. */
  private List<Ref> registered(String prefix) {
    List<Ref> refs = new ArrayList<>();
    for (ObjectInfo object : models.list(prefix)) {
      Matcher matcher = VERSION_KEY.matcher(object.key());
      if (matcher.matches() && matcher.group(3).equals(METADATA_FILE)) {
        refs.add(new Ref(matcher.group(1), Integer.parseInt(matcher.group(2)), object.key()));
      }
    }
    refs.sort(Comparator.comparing(Ref::name).thenComparingInt(Ref::version));
    return refs;
  }

  /** The highest version number of {@code name} with anything in its folder (claimed or registered), or 0. */
  private int highestUsedVersion(String name) {
    int highest = 0;
    for (ObjectInfo object : models.list(ROOT + name + "/")) {
      Matcher matcher = VERSION_KEY.matcher(object.key());
      if (matcher.matches()) {
        highest = Math.max(highest, Integer.parseInt(matcher.group(2)));
      }
    }
    return highest;
  }

  private ModelMetadata read(Ref ref) {
    return models.readJson(ref.key(), ModelMetadata.class);
  }

  private Optional<ClaimMarker> claimMarker(String name, int version) {
    try {
      return Optional.of(models.readJson(claimKey(name, version), ClaimMarker.class));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    }
  }

  private ModelMetadata update(ModelMetadata updated) {
    models.writeJson(metadataKey(updated.name(), updated.version()), updated);
    return updated;
  }

  private ModelNotFoundException unknownName(String name) {
    List<String> names = names();
    return new ModelNotFoundException("no model '" + name + "' is registered in " + models.uri() + ": "
        + (names.isEmpty() ? "no models are registered there yet" : "registered models are " + String.join(", ", names)));
  }

  private String now() {
    return clock.instant().toString();
  }

  private static byte[] json(Object value) {
    return Storage.Json.write(value).getBytes(StandardCharsets.UTF_8);
  }

  private static String label(ModelMetadata metadata) {
    return metadata.name() + " " + ModelMetadata.versionFolder(metadata.version());
  }

  private static ModelMetadata withCreatedAt(ModelMetadata m, String createdAt) {
    return new ModelMetadata(m.name(), m.version(), createdAt, m.runId(), m.algorithm(), m.parameters(), m.features(),
        m.label(), m.training(), m.evaluation(), m.rowsExcluded(), m.metrics(), m.metricsUnavailable(), m.backtest(), m.gate(),
        m.status(), m.approvedBy(), m.approvedAt(), m.rejectedBy(), m.rejectedAt(), m.statusReason());
  }

  private static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new RegistryUsageException("bad model name '" + name
          + "': use lower-case letters, digits and '_', starting with a letter (e.g. risk)");
    }
    return name;
  }

  private static int checkVersion(int version) {
    if (version < 1) {
      throw new RegistryUsageException("bad model version " + version + ": versions start at 1");
    }
    return version;
  }

  private static void checkWho(String by) {
    if (by == null || by.isBlank()) {
      throw new RegistryUsageException("who approves or rejects a model must be named (--by WHO)");
    }
  }

  @Override
  public String toString() {
    return "ModelRegistry[" + models.uri() + "]";
  }
}
