package org.climatehealth.pipeline.quality;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.max;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;
import org.climatehealth.pipeline.jobs.DatasetAccounting;

/**
 * Measures the datasets of one process run: the row counts come from the run's accounting; the
 * newest date and the filled-in count of every optional column from ONE aggregate over each
 * dataset's valid rows (a single row comes back to the driver, never the data).
 */
public final class QualityMetrics {
  private QualityMetrics() {}

  /**
   * @param valid each dataset's valid rows (typed columns, as published)
   * @param accounting each dataset's row accounting, by table name
   * @param dailyLocationRows the rows of daily_location the run writes
   * @return metrics by dataset name, in {@link QualitySettings#DATASETS} order
   */
  public static Map<String, DatasetMetrics> measure(Map<RawDataset, Dataset<Row>> valid,
      Map<String, DatasetAccounting> accounting, long dailyLocationRows) {
    Map<String, DatasetMetrics> metrics = new LinkedHashMap<>();
    for (String name : QualitySettings.DATASETS) {
      if (name.equals("daily_location")) {
        metrics.put(name, DatasetMetrics.rowsOnly(dailyLocationRows));
        continue;
      }
      RawDataset dataset = RawDataset.valueOf(name.toUpperCase(java.util.Locale.ROOT));
      metrics.put(name, measure(dataset, valid.get(dataset), accounting.get(name)));
    }
    return metrics;
  }

  static DatasetMetrics measure(RawDataset dataset, Dataset<Row> valid, DatasetAccounting accounting) {
    List<String> optional = dataset.columns().stream().filter(c -> !c.required()).map(RawDataset.Column::name).toList();
    List<Column> aggregates = new ArrayList<>();
    dataset.dateColumn().ifPresent(date -> aggregates.add(max(col(date))));
    optional.forEach(column -> aggregates.add(count(col(column))));
    Row row = valid.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(Column[]::new)).first();
    int i = 0;
    String newest = null;
    if (dataset.dateColumn().isPresent()) {
      Object value = row.get(i++);
      newest = value == null ? null : value.toString(); // java.sql.Date or LocalDate: both print yyyy-MM-dd
    }
    Map<String, Long> nonNull = new LinkedHashMap<>();
    for (String column : optional) {
      nonNull.put(column, row.getLong(i++));
    }
    long unknown = accounting.reasons().getOrDefault(ReasonCode.UNKNOWN_LOCATION.name(), 0L);
    return new DatasetMetrics(accounting.rowsRead(), accounting.rowsValid(), accounting.rowsQuarantined(), unknown,
        newest, nonNull);
  }
}
