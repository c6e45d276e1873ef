package org.climatehealth.pipeline.quality;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading the previous runs' valid rows back from their run reports. */
class QualityHistoryTest {

  @TempDir Path dir;

  private void report(LocalStorage store, String command, String runId, String status, String to, long climate,
      long daily) {
    Map<String, Object> quality = new HashMap<>();
    quality.put("to", to);
    quality.put("metrics", Map.of("climate", Map.of("rows_valid", climate), "daily_location", Map.of("rows_valid", daily)));
    store.writeJson("_runs/" + command + "/" + runId + ".json", Map.of("run_id", runId, "status", status,
        "quality", quality));
  }

  @Test
  void onlyRunsThatPublishedCountNewestFirst() throws Exception {
    LocalStorage store = new LocalStorage(StoreUri.local(dir));
    report(store, "process", "r-1", "success", null, 100, 10);
    Thread.sleep(20);
    report(store, "run", "r-2", "gate_failed", null, 200, 20);      // training missed a gate: published
    Thread.sleep(20);
    report(store, "process", "r-3", "failed", null, 300, 30);       // failed: does not count
    Thread.sleep(20);
    report(store, "process", "r-4", "success", "2024-01-31", 400, 40); // another range
    Thread.sleep(20);
    store.writeText("_runs/process/r-5.json", "{ not json");          // unreadable: skipped
    Thread.sleep(20);
    store.writeJson("_runs/train/r-6.json", Map.of("status", "success")); // not a processing command

    QualityHistory history = new QualityHistory(store);
    Map<String, List<Long>> all = history.previousValidRows("r-9", 5, null, null);
    assertThat(all.get("climate")).containsExactly(400L, 200L, 100L);
    // daily_location rows depend on the months written: only runs over the same range
    assertThat(all.get("daily_location")).containsExactly(20L, 10L);
    assertThat(all.get("health")).isEmpty();
    assertThat(history.previousValidRows("r-9", 5, null, "2024-01-31").get("daily_location")).containsExactly(40L);
    // the limit keeps the newest; the run itself never counts
    assertThat(history.previousValidRows("r-9", 2, null, null).get("climate")).containsExactly(400L, 200L);
    assertThat(history.previousValidRows("r-4", 5, null, null).get("climate")).containsExactly(200L, 100L);
  }
}
