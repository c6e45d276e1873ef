package org.climatehealth.pipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.model.Metrics;
import org.climatehealth.pipeline.monitor.RawManifest;
import org.climatehealth.pipeline.registry.ModelMetadata;
import org.climatehealth.pipeline.registry.ModelMetadata.DataRange;
import org.climatehealth.pipeline.registry.ModelMetadata.Gate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the storage layer writes as JSON (run reports, model metadata, manifests all go through
 * {@link Storage#writeJson}) is strict JSON: read back by a parser that accepts nothing else,
 * numbers are numbers and a value that is not a finite number is {@code null}.
 */
class StrictJsonTest {
  /** Jackson's defaults: no NaN or Infinity tokens, no single quotes, no comments. */
  private static final ObjectMapper STRICT = new ObjectMapper();

  @TempDir
  Path root;

  private JsonNode writtenAndReadBack(Object value) throws IOException {
    Storage storage = new LocalStorage(StoreUri.local(root));
    storage.writeJson("x.json", value);
    return STRICT.readTree(storage.readBytes("x.json"));
  }

  @Test
  void numbersThatAreNotFiniteAreNullAndTheOthersStayNumbers() throws IOException {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("nan", Double.NaN);
    value.put("infinite", Double.POSITIVE_INFINITY);
    value.put("negative_infinite", Double.NEGATIVE_INFINITY);
    value.put("float_nan", Float.NaN);
    value.put("half", 0.5);
    value.put("float_quarter", 0.25f);
    value.put("count", 3L);
    value.put("absent", null);
    value.put("list", List.of(1.5, Double.NaN));

    JsonNode node = writtenAndReadBack(value);

    for (String name : List.of("nan", "infinite", "negative_infinite", "float_nan", "absent")) {
      assertThat(node.get(name).isNull()).as(name).isTrue();
    }
    assertThat(node.get("half").isNumber()).isTrue();
    assertThat(node.get("half").doubleValue()).isEqualTo(0.5);
    assertThat(node.get("float_quarter").doubleValue()).isEqualTo(0.25);
    assertThat(node.get("count").isIntegralNumber()).isTrue();
    assertThat(node.get("list").get(0).doubleValue()).isEqualTo(1.5);
    assertThat(node.get("list").get(1).isNull()).isTrue();
    // the same text on stdout
    assertThat(STRICT.readTree(Storage.Json.write(value)).get("nan").isNull()).isTrue();
  }

  @Test
  void theStrictParserRejectsWhatJacksonWritesByDefault() {
    // the check above means something: a NaN token is not JSON
    assertThatThrownBy(() -> STRICT.readTree("{\"x\": NaN}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(JsonParseException.class);
  }

  @Test
  void modelMetadataWritesAMetricThatCouldNotBeComputedAsNullWithItsReasonBeside() throws IOException {
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("roc_auc", Double.NaN);
    metrics.put("positive_rate", 0.0);
    Map<String, String> unavailable = Metrics.unavailable(metrics,
        Map.of("roc_auc", "the hold-out has only one class (0 positive rows of 800)"));
    ModelMetadata metadata = new ModelMetadata("risk", 2, "2026-01-01T00:00:00Z", "r1", "LogisticRegression",
        Map.of("max_iter", 100, "reg_param", 0.001), List.of("x"), "y",
        new DataRange("2023-01-01", "2023-06-02", 3000, null), new DataRange("2023-06-10", "2023-07-19", 800, null),
        Map.of("missing_features", 0L), metrics, unavailable, null,
        new Gate("roc_auc", ">=", 0.75, null, false, "roc_auc could not be computed"), ModelMetadata.REJECTED,
        null, null, "gate", "2026-01-01T00:00:00Z", "roc_auc could not be computed");

    JsonNode node = writtenAndReadBack(metadata);

    assertThat(node.get("metrics").get("roc_auc").isNull()).isTrue();
    assertThat(node.get("metrics").get("positive_rate").isNumber()).isTrue();
    assertThat(node.get("metrics_unavailable").get("roc_auc").textValue())
        .isEqualTo("the hold-out has only one class (0 positive rows of 800)");
    assertThat(node.get("metrics_unavailable").has("positive_rate")).isFalse();
    assertThat(node.get("version").isIntegralNumber()).isTrue();
    assertThat(node.get("parameters").get("reg_param").isNumber()).isTrue();
    assertThat(node.get("training").get("rows").isIntegralNumber()).isTrue();
    assertThat(node.get("gate").get("value").isNull()).isTrue();
    assertThat(node.get("gate").get("threshold").doubleValue()).isEqualTo(0.75);
    // and it reads back as the same record
    assertThat(new LocalStorage(StoreUri.local(root)).readJson("x.json", ModelMetadata.class).metricsUnavailable())
        .isEqualTo(unavailable);
  }
  @Test
  void nestedParametersReadBackAsJavaMapsAndLists() throws IOException {
    // Spark's classpath brings jackson-module-scala: untyped values must still read as java.util types,
    // or predict would not find a risk version's threshold rule or a forecast version's interval
    Map<String, Object> threshold = new LinkedHashMap<>();
    threshold.put("rule", "seasonal");
    threshold.put("locations", 50L);
    threshold.put("threshold_per_100k_median", Double.NaN);
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("threshold", threshold);
    parameters.put("by_horizon", List.of(Map.of("horizon_days", 1, "q_lower", -1.5)));
    Storage storage = new LocalStorage(StoreUri.local(root));
    storage.writeJson("p.json", Map.of("parameters", parameters));

    Map<?, ?> read = storage.readJson("p.json", Map.class);
    assertThat(read.get("parameters")).isInstanceOf(java.util.Map.class);
    Map<?, ?> readThreshold = (Map<?, ?>) ((Map<?, ?>) read.get("parameters")).get("threshold");
    assertThat(readThreshold.get("rule")).isEqualTo("seasonal");
    assertThat(readThreshold.get("locations")).isEqualTo(50);
    assertThat(readThreshold.containsKey("threshold_per_100k_median")).isTrue();
    assertThat(readThreshold.get("threshold_per_100k_median")).isNull();
    assertThat(((Map<?, ?>) read.get("parameters")).get("by_horizon")).isInstanceOf(java.util.List.class);
  }

  @Test
  void aRawManifestIsStrictJsonWithNumbersAsNumbers() throws IOException {
    RawManifest.Entry entry = new RawManifest.Entry("raw/health_data.csv", 7_549_747L, "\"abc\"",
        "2026-12-07T10:00:00Z");
    RawManifest manifest = new RawManifest("r1", "scan", "2026-12-07T10:00:01Z", "file:/data/raw", "raw/", null,
        List.of(entry), List.of(entry), List.of(), List.of(), 0);

    JsonNode node = writtenAndReadBack(manifest);

    assertThat(node.get("baseline").isNull()).isTrue();
    assertThat(node.get("unchanged").isIntegralNumber()).isTrue();
    assertThat(node.get("objects").get(0).get("size").isIntegralNumber()).isTrue();
    assertThat(node.get("objects").get(0).get("size").longValue()).isEqualTo(7_549_747L);
    assertThat(node.get("new").get(0).get("etag").textValue()).isEqualTo("\"abc\"");
    assertThat(node.get("objects").get(0).get("last_modified").textValue()).isEqualTo("2026-12-07T10:00:00Z");
    assertThat(new LocalStorage(StoreUri.local(root)).readJson("x.json", RawManifest.class)).isEqualTo(manifest);
  }
}
