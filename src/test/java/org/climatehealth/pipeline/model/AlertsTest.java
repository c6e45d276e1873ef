package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.config.PredictSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Risk levels and the two alert rules, on hand-made scored rows (levels 0.3 / 0.6 / 0.85, fallback share 0.1). */
class AlertsTest {
  private static final PredictSettings SETTINGS = new PredictSettings("parquet", 0.3, 0.6, 0.85, 0.1);
  private static final Date DAY = Date.valueOf("2024-05-01");

  private static SparkSession spark;

  @BeforeAll
  static void session() {
    spark = TestSpark.session();
  }

  @Test
  void riskLevelsUseTheConfiguredThresholdsInclusively() {
    StructType schema = new StructType().add("risk_score", DataTypes.DoubleType);
    Dataset<Row> scores = spark.createDataFrame(List.of(RowFactory.create(0.0), RowFactory.create(0.2999),
        RowFactory.create(0.3), RowFactory.create(0.5999), RowFactory.create(0.6), RowFactory.create(1.0)), schema);
    List<String> levels = scores.select(Alerts.riskLevel(col("risk_score"), SETTINGS)).as(
        org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(levels).containsExactly("LOW", "LOW", "MEDIUM", "MEDIUM", "HIGH", "HIGH");
  }

  @Test
  void highRiskAlertsForHighPredictionsCriticalFromTheCriticalLevel() {
    StructType schema = new StructType().add("location_id", DataTypes.StringType).add("date", DataTypes.DateType)
        .add("risk_score", DataTypes.DoubleType).add("risk_level", DataTypes.StringType)
        .add("run_id", DataTypes.StringType);
    Dataset<Row> predictions = spark.createDataFrame(List.of(
        RowFactory.create("A", DAY, 0.59, "MEDIUM", "r1"),
        RowFactory.create("B", DAY, 0.7, "HIGH", "r1"),
        RowFactory.create("C", DAY, 0.85, "HIGH", "r1")), schema);
    Map<String, Row> alerts = byLocation(Alerts.highRisk(predictions, SETTINGS));
    assertThat(alerts.keySet()).containsExactly("B", "C");
    assertThat(alerts.get("B").<String>getAs("severity")).isEqualTo("HIGH");
    assertThat(alerts.get("C").<String>getAs("severity")).isEqualTo("CRITICAL");
    assertThat(alerts.get("B").<String>getAs("alert_type")).isEqualTo("HIGH_RISK");
    assertThat(alerts.get("B").<String>getAs("message")).startsWith("risk score 0.70 is at or above the HIGH level 0.60");
    assertThat(alerts.get("B").schema().fieldNames()).containsExactly(Alerts.COLUMNS);
  }

  /**
   * Every location is forecast 10 cases a day for 7 days: 70 cases.
   * A: share 0.2 -> 14 beds needed, 100 - 90 = 10 free: HIGH (14 < 2 x 10).
   * B: no recent cases (share null) -> 0.1 x 70 = 7 beds, 10 free: no alert.
   * C: no capacity report: no alert. D: 100 of 100 beds occupied: CRITICAL.
   * E: share 0.3 -> 21 beds, 10 free: CRITICAL (21 >= 2 x 10).
   */
  @Test
  void capacityStrainWhenForecastBedDemandMeetsTheFreeBeds() {
    StructType scoredSchema = new StructType().add("location_id", DataTypes.StringType).add("date", DataTypes.DateType)
        .add("total_beds", DataTypes.LongType).add("occupied_beds", DataTypes.LongType)
        .add(Features.HOSPITALISATION_SHARE, DataTypes.DoubleType).add("risk_score", DataTypes.DoubleType);
    Dataset<Row> scored = spark.createDataFrame(List.of(
        RowFactory.create("A", DAY, 100L, 90L, 0.2, 0.5),
        RowFactory.create("B", DAY, 100L, 90L, null, 0.1),
        RowFactory.create("C", DAY, null, null, 0.5, 0.2),
        RowFactory.create("D", DAY, 100L, 100L, 0.01, 0.3),
        RowFactory.create("E", DAY, 100L, 90L, 0.3, 0.4)), scoredSchema);
    StructType forecastSchema = new StructType().add("location_id", DataTypes.StringType)
        .add("issue_date", DataTypes.DateType).add("predicted_cases", DataTypes.DoubleType);
    List<Row> forecastRows = new ArrayList<>();
    for (String location : List.of("A", "B", "C", "D", "E")) {
      for (int h = 1; h <= 7; h++) {
        forecastRows.add(RowFactory.create(location, DAY, 10.0));
      }
    }
    Dataset<Row> forecasts = spark.createDataFrame(forecastRows, forecastSchema);

    Map<String, Row> alerts = byLocation(Alerts.capacityStrain(forecasts, scored, SETTINGS, "r9"));

    assertThat(alerts.keySet()).containsExactly("A", "D", "E");
    assertThat(alerts.get("A").<String>getAs("severity")).isEqualTo("HIGH");
    assertThat(alerts.get("A").<String>getAs("message"))
        .isEqualTo("forecast demand of 14.0 beds over the next 7 days (70.0 cases x 0.200 admitted) meets the 10 free of 100 beds");
    assertThat(alerts.get("A").<Double>getAs("risk_score")).isEqualTo(0.5);
    assertThat(alerts.get("A").<String>getAs("run_id")).isEqualTo("r9");
    assertThat(alerts.get("D").<String>getAs("severity")).isEqualTo("CRITICAL");
    assertThat(alerts.get("E").<String>getAs("severity")).isEqualTo("CRITICAL");
    assertThat(alerts.get("A").schema().fieldNames()).containsExactly(Alerts.COLUMNS);
  }

  private static Map<String, Row> byLocation(Dataset<Row> alerts) {
    Map<String, Row> map = new TreeMap<>();
    alerts.collectAsList().forEach(r -> map.put(r.getAs("location_id"), r));
    return map;
  }
}
