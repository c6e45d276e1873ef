package org.climatehealth.pipeline.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.climatehealth.pipeline.monitor.RawManifest.Entry;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data monitor's manifests in the processed store ({@code _manifests/raw/<run_id>.json}):
 * taking a snapshot of the raw store's {@code raw/} objects, comparing it with a baseline
 * manifest and writing the result whole.
 *
 * <p>Two baselines: {@link #newest()} (what {@code scan} compares with: whatever was seen last)
 * and {@link #newestConsumedBySuccessfulRun()} (what {@code run} compares with: what the last
 * successful run processed). Newest means by the listing's last-modified time, then by key;
 * only the chosen manifest (and, for runs, the candidates' run reports) is read.
 */
public final class RawManifests {
  private static final Logger LOG = LoggerFactory.getLogger(RawManifests.class);

  /** Where the manifests are, in the processed store. */
  public static final String PREFIX = "_manifests/raw/";
  /** What is listed in the raw store: the contract's raw key space. */
  public static final String RAW_PREFIX = "raw/";
  private static final String SUFFIX = ".json";

  /** Latest first: by last-modified time, then by key. */
  static final Comparator<ObjectInfo> NEWEST_FIRST =
      Comparator.comparing(ObjectInfo::lastModified).thenComparing(ObjectInfo::key).reversed();

  private final Storage processed;
  private final Clock clock;

  public RawManifests(Storage processed, Clock clock) {
    this.processed = processed;
    this.clock = clock;
  }

  /** The manifest of run {@code runId}. */
  public static String key(String runId) {
    return PREFIX + runId + SUFFIX;
  }

  /** The run id of the manifest at {@code key}. */
  public static String runId(String key) {
    return key.substring(PREFIX.length(), key.length() - SUFFIX.length());
  }

  /** Every object under {@code raw/} in the raw store, sorted by key. */
  public static List<ObjectInfo> listRaw(Storage raw) {
    return raw.list(RAW_PREFIX);
  }

  /** The newest manifest, whoever wrote it; empty before the first scan or run. */
  public Optional<String> newest() {
    return newestFirst().stream().findFirst();
  }

  /**
   * The newest manifest whose run id has a successful {@code run} report: what the last
   * successful run consumed. Manifests of scans, and of runs that failed or have no report, are
   * passed over.
   */
  public Optional<String> newestConsumedBySuccessfulRun() {
    for (String key : newestFirst()) {
      String report = RunReport.key("run", runId(key));
      if (processed.stat(report).isPresent()
          && RunReport.SUCCESS.equals(processed.readJson(report, JsonNode.class).path("status").asText())) {
        return Optional.of(key);
      }
    }
    return Optional.empty();
  }

  public RawManifest read(String key) {
    return processed.readJson(key, RawManifest.class);
  }

  /**
   * Compares {@code listing} (the raw store's objects under {@code raw/}) with the manifest at
   * {@code baseline} (none: every object is new) and writes the result as the manifest of
   * {@code runId}, replacing one of the same run id.
   */
  public RawManifest record(Storage raw, List<ObjectInfo> listing, String runId, String command,
      Optional<String> baseline) {
    List<Entry> objects = listing.stream().map(Entry::of).toList();
    RawDiff diff = RawDiff.of(objects, baseline.map(key -> read(key).objects()).orElse(null));
    RawManifest manifest = new RawManifest(runId, command, clock.instant().toString(), raw.uri().toString(),
        RAW_PREFIX, baseline.orElse(null), objects, diff.added(), diff.changed(), diff.removed(), diff.unchanged());
    processed.writeJson(key(runId), manifest);
    LOG.info("raw manifest {}: {} objects, {} new, {} changed, {} removed since {}", key(runId), objects.size(),
        diff.added().size(), diff.changed().size(), diff.removed().size(), baseline.orElse("nothing"));
    return manifest;
  }

  /** Manifest keys, newest first. */
  private List<String> newestFirst() {
    return processed.list(PREFIX).stream()
        .filter(o -> o.key().endsWith(SUFFIX) && o.key().indexOf('/', PREFIX.length()) < 0)
        .sorted(NEWEST_FIRST)
        .map(ObjectInfo::key)
        .toList();
  }
}
