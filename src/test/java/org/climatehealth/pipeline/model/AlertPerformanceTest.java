package org.climatehealth.pipeline.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;

/**
 * Alerts by location at the HIGH level 0.6. X: outbreaks on 2 of 4 days, scored 0.7 and 0.5;
 * the other days 0.65 and 0.1: 1 of 2 outbreaks caught (sensitivity 0.5), 1 false alarm on 2
 * quiet days (0.5). Y: no outbreak, one alert on 3 days: sensitivity unknown, false alarms 1/3.
 */
class AlertPerformanceTest {
  @Test
  void sensitivityAndFalseAlarmRatePerLocation() {
    StructType schema = new StructType().add("location_id", DataTypes.StringType)
        .add(Features.RISK_LABEL, DataTypes.DoubleType).add(RiskModel.SCORE, DataTypes.DoubleType);
    List<Row> rows = List.of(
        RowFactory.create("X", 1.0, 0.7), RowFactory.create("X", 1.0, 0.5),
        RowFactory.create("X", 0.0, 0.65), RowFactory.create("X", 0.0, 0.1),
        RowFactory.create("Y", 0.0, 0.6), RowFactory.create("Y", 0.0, 0.2), RowFactory.create("Y", 0.0, 0.3));
    Dataset<Row> table = AlertPerformance.byLocation(TestSpark.session().createDataFrame(rows, schema), 0.6);
    Map<String, Row> byLocation = new HashMap<>();
    table.collectAsList().forEach(r -> byLocation.put(r.getString(0), r));
    Row x = byLocation.get("X");
    assertThat(x.<Long>getAs("outbreak_days")).isEqualTo(2L);
    assertThat(x.<Long>getAs("caught")).isEqualTo(1L);
    assertThat(x.<Double>getAs(AlertPerformance.SENSITIVITY)).isEqualTo(0.5);
    assertThat(x.<Double>getAs(AlertPerformance.FALSE_ALARM_RATE)).isEqualTo(0.5);
    Row y = byLocation.get("Y");
    assertThat(y.<Double>getAs(AlertPerformance.SENSITIVITY)).isNull();
    assertThat(y.<Double>getAs(AlertPerformance.FALSE_ALARM_RATE)).isEqualTo(1.0 / 3);

    Map<String, Object> summary = AlertPerformance.summary(table);
    assertThat(summary).containsEntry("locations", 2L).containsEntry("locations_with_outbreaks", 1L)
        .containsEntry("sensitivity_min", 0.5).containsEntry("false_alarm_rate_max", 0.5);
    assertThat((Double) summary.get("false_alarm_rate_median")).isEqualTo((0.5 + 1.0 / 3) / 2);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> lowest = (List<Map<String, Object>>) summary.get("lowest_sensitivity");
    assertThat(lowest).hasSize(1);
    assertThat(lowest.get(0)).containsEntry("location_id", "X").containsEntry(AlertPerformance.SENSITIVITY, 0.5);

    // over all 7 days (2 outbreaks, 5 quiet): at 0.5, alerts on 0.7, 0.5, 0.65, 0.6: both outbreaks
    // caught, 2 of 5 quiet days alarmed; at 0.6 one outbreak missed; at 0.9 nothing
    List<Map<String, Object>> levels = AlertPerformance.byLevel(TestSpark.session().createDataFrame(rows, schema));
    assertThat(levels).extracting(l -> l.get("level")).containsExactly(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9);
    assertThat(levels.get(4)).containsEntry("alert_rate", 4.0 / 7).containsEntry(AlertPerformance.SENSITIVITY, 1.0)
        .containsEntry(AlertPerformance.FALSE_ALARM_RATE, 0.4).containsEntry("precision", 0.5);
    assertThat(levels.get(5)).containsEntry(AlertPerformance.SENSITIVITY, 0.5)
        .containsEntry(AlertPerformance.FALSE_ALARM_RATE, 0.4).containsEntry("precision", 1.0 / 3);
    assertThat(levels.get(8)).containsEntry("alert_rate", 0.0).containsEntry(AlertPerformance.SENSITIVITY, 0.0)
        .containsEntry("precision", null);
  }
}
