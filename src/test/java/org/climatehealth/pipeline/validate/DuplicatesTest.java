package org.climatehealth.pipeline.validate;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.ingest.RawReader;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;

/** {@link Validation#resolveDuplicates}: collapse identical rows of a key, quarantine differing ones. */
class DuplicatesTest {

  private static final List<String> CLIMATE = RawDataset.CLIMATE.columnNames();

  /** Climate rows as read: date, location_id, tmax, tmin, humidity, rainfall, aqi, then the file. */
  private static Dataset<Row> raw(String[]... rows) {
    StructType schema = new StructType();
    for (String name : CLIMATE) {
      schema = schema.add(name, DataTypes.StringType);
    }
    schema = schema.add(RawReader.SOURCE_FILE, DataTypes.StringType)
        .add(RawReader.FIELDS_MISSING, DataTypes.BooleanType)
        .add(RawReader.FIELDS_EXTRA, DataTypes.BooleanType)
        .add(RawReader.FIELD_COUNT, DataTypes.IntegerType)
        .add(RawReader.NOT_UTF8, DataTypes.BooleanType)
        .add(RawReader.OPEN_QUOTE, DataTypes.BooleanType);
    List<Row> list = new ArrayList<>();
    for (String[] r : rows) {
      list.add(RowFactory.create(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], false, false, CLIMATE.size(), false, false));
    }
    return TestSpark.session().createDataFrame(list, schema);
  }

  @Test
  void identicalRowsCollapseDifferingOnesAreAllQuarantinedAndRowsWithAReasonTakeNoPart() {
    Dataset<Row> resolved = Validation.resolveDuplicates(Validation.checkRows(raw(
        new String[] {"2024-01-01", "KA-BLR", "30", "20", "", "5", "", "a.csv"},
        new String[] {"2024-01-01", "KA-BLR", "30", "20", "", "5", "", "b.csv"},
        // the same values in other columns: humidity 50 and no rainfall, against no humidity and rainfall 50
        new String[] {"2024-01-02", "KA-BLR", "30", "20", "50", "", "", "a.csv"},
        new String[] {"2024-01-02", "KA-BLR", "30", "20", "", "50", "", "b.csv"},
        // the same after parsing: id case and spacing, 31 and 31.0, 01/03/2024 and 2024-01-03
        new String[] {"2024-01-03", "KA-BLR", "31", "20", "", "", "", "a.csv"},
        new String[] {"03/01/2024", " ka-blr ", "31.0", "20.00", "NA", "-", "", "a.csv"},
        new String[] {"2024-01-03", "KA-BLR", "31", "20", "", "", "", "c.csv"},
        // a row with a reason shares the key of a valid one: no conflict
        new String[] {"2024-01-04", "KA-BLR", "70", "20", "", "", "", "a.csv"},
        new String[] {"2024-01-04", "KA-BLR", "30", "20", "", "", "", "a.csv"}), RawDataset.CLIMATE),
        RawDataset.CLIMATE);

    Map<String, Long> byStatusAndReason = new TreeMap<>();
    for (Row row : resolved.groupBy(Validation.STATUS, Validation.REASON).count().collectAsList()) {
      byStatusAndReason.put(row.getString(0) + "/" + row.getString(1), row.getLong(2));
    }
    assertThat(byStatusAndReason).containsExactlyInAnyOrderEntriesOf(Map.of(
        "valid/null", 3L,
        "collapsed/null", 3L,
        "quarantined/DUPLICATE_KEY_CONFLICT", 2L,
        "quarantined/OUT_OF_RANGE", 1L));
    assertThat(resolved.where(col(Validation.REASON).equalTo("DUPLICATE_KEY_CONFLICT"))
        .select(Validation.detail(RawDataset.CLIMATE)).distinct().collectAsList())
        .extracting(r -> r.getString(0)).containsExactly("rows with this key differ");
    // every input row is still there, once, with its raw fields and file
    assertThat(resolved.count()).isEqualTo(9);
    assertThat(resolved.where(col("location_id").equalTo(" ka-blr ")).select(RawReader.SOURCE_FILE).first().getString(0))
        .isEqualTo("a.csv");
    assertThat(Validation.cleaned(resolved, RawDataset.CLIMATE).orderBy("date").select("date").collectAsList())
        .extracting(r -> r.get(0).toString()).containsExactly("2024-01-01", "2024-01-03", "2024-01-04");
  }
}
