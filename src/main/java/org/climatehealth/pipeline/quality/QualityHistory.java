package org.climatehealth.pipeline.quality;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quality metrics of previous runs, read back from their run reports
 * ({@code _runs/process/<run_id>.json} and {@code _runs/run/<run_id>.json}, section
 * {@code quality.metrics}). Only runs that published count: status {@code success}, or
 * {@code gate_failed} (a run whose training missed a gate had already published its processed
 * data). A failed run, including one stopped by an error-level check, does not count.
 */
public final class QualityHistory {
  private static final Logger LOG = LoggerFactory.getLogger(QualityHistory.class);

  /** The commands whose runs process data, and so have quality metrics. */
  public static final List<String> COMMANDS = List.of("process", "run");
  private static final Set<String> PUBLISHED = Set.of(RunReport.SUCCESS, RunReport.GATE_FAILED);

  private final Storage processed;

  public QualityHistory(Storage processed) {
    this.processed = processed;
  }

  /**
   * The valid rows of the last {@code limit} successful runs other than {@code runId}, newest
   * first, per dataset. For daily_location, whose rows depend on the months written, only runs
   * with the same {@code from} and {@code to} count.
   */
  public Map<String, List<Long>> previousValidRows(String runId, int limit, String from, String to) {
    Map<String, List<Long>> rows = new LinkedHashMap<>();
    QualitySettings.DATASETS.forEach(d -> rows.put(d, new ArrayList<>()));
    List<ObjectInfo> reports = new ArrayList<>();
    for (String command : COMMANDS) {
      String prefix = "_runs/" + command + "/";
      processed.list(prefix).stream()
          .filter(o -> o.key().endsWith(".json") && o.key().indexOf('/', prefix.length()) < 0)
          .filter(o -> !o.key().equals(RunReport.key(command, runId)))
          .forEach(reports::add);
    }
    // newest first: by time written, then by key (default run ids are UTC timestamps)
    reports.sort(Comparator.comparing(ObjectInfo::lastModified).thenComparing(ObjectInfo::key).reversed());
    for (ObjectInfo file : reports) {
      // enough once the raw datasets have theirs: daily_location takes what those runs have (a
      // range never run before must not make every report in the store be read)
      if (rows.entrySet().stream().filter(e -> !e.getKey().equals("daily_location"))
          .allMatch(e -> e.getValue().size() >= limit)) {
        break;
      }
      JsonNode report = read(file.key());
      if (report == null || !PUBLISHED.contains(report.path("status").asText())) {
        continue;
      }
      JsonNode quality = report.path("quality");
      boolean sameRange = Objects.equals(text(quality, "from"), from) && Objects.equals(text(quality, "to"), to);
      for (Map.Entry<String, List<Long>> dataset : rows.entrySet()) {
        JsonNode valid = quality.path("metrics").path(dataset.getKey()).path("rows_valid");
        if (valid.isIntegralNumber() && dataset.getValue().size() < limit
            && (sameRange || !dataset.getKey().equals("daily_location"))) {
          dataset.getValue().add(valid.asLong());
        }
      }
    }
    return rows;
  }

  private JsonNode read(String key) {
    try {
      return processed.readJson(key, JsonNode.class);
    } catch (StorageException e) {
      LOG.warn("quality history: skipping {}: {}", processed.uri().resolve(key), e.getMessage());
      return null;
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? null : value.asText();
  }
}
