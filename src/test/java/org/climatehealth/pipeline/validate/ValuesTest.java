package org.climatehealth.pipeline.validate;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.dataset.ColumnType;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;

class ValuesTest {

  private static Map<String, String> dates(String... raw) {
    List<Row> rows = TestSpark.session().createDataset(List.of(raw), Encoders.STRING()).toDF("raw")
        .select(col("raw"), Values.parse(Values.present(col("raw")), ColumnType.DATE).cast("string").as("date"))
        .collectAsList();
    Map<String, String> parsed = new LinkedHashMap<>();
    for (Row row : new ArrayList<>(rows)) {
      parsed.put(row.getString(0), row.getString(1));
    }
    return parsed;
  }

  @Test
  void theFourContractFormatsParseToTheSameDay() {
    assertThat(dates("2024-03-05", "05/03/2024", "2024/03/05", "05-03-2024", " 2024-03-05 "))
        .containsOnly(Map.entry("2024-03-05", "2024-03-05"), Map.entry("05/03/2024", "2024-03-05"),
            Map.entry("2024/03/05", "2024-03-05"), Map.entry("05-03-2024", "2024-03-05"),
            Map.entry(" 2024-03-05 ", "2024-03-05"));
  }

  @Test
  void anythingElseIsNotADateAndHugeYearsDoNotFailTheJob() {
    Map<String, String> parsed = dates("2024-02-30", "2024-1-05", "5/3/2024", "2024-03-05T00:00", "2024-03/05",
        "+300000-01-01", "294248-01-01", "-2024-01-05", "05/01/+12024", "31/12/99999");
    assertThat(parsed).hasSize(10);
    assertThat(parsed.values()).containsOnlyNulls();
  }

  @Test
  void isoShapedDatesTakeTheFastCastAndAgreeWithTheFormatterOnEveryEdge() {
    String[] raw = {"0000-01-01", "0001-01-01", "9999-12-31", "2024-02-29", "2023-02-29", "2024-04-31", "2024-13-01",
        "2024-00-10", "2024-01-00", "+024-01-01", "-024-01-01", " 024-01-01", "2024-0a-01", "2024-1--01", "2024--1-01",
        "2024-01-1x", "\uff12\uff10\uff12\uff14-01-01", "2024-01-05"};
    Map<String, String> parsed = dates(raw);
    // the formatter the fast path stands in for, on the same strings
    List<Row> oracle = TestSpark.session().createDataset(List.of(raw), Encoders.STRING()).toDF("raw")
        .select(col("raw"), org.apache.spark.sql.functions.when(col("raw").rlike("^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
            org.apache.spark.sql.functions.try_to_date(col("raw"), "yyyy-MM-dd")).cast("string"))
        .collectAsList();
    for (Row row : oracle) {
      assertThat(parsed.get(row.getString(0))).as(row.getString(0)).isEqualTo(row.getString(1));
    }
    assertThat(parsed.get("2024-02-29")).isEqualTo("2024-02-29");
    assertThat(parsed.get("9999-12-31")).isEqualTo("9999-12-31");
    assertThat(parsed.get("2023-02-29")).isNull();
    assertThat(parsed.get("+024-01-01")).isNull();
    assertThat(parsed.get("2024-0a-01")).isNull();
  }
}
