package org.climatehealth.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RawReader}: the line flags behind MALFORMED_ROW, and files too wide to carry column by column. */
class RawReaderTest {
  private static final String HEALTH = "date,location_id,disease,cases,deaths,hospitalizations";

  @TempDir Path dir;

  private Dataset<Row> read(String key, byte[] content) throws IOException {
    Files.createDirectories(dir.resolve("raw"));
    Files.write(dir.resolve(key), content);
    LocalStorage raw = new LocalStorage(StoreUri.local(dir));
    return RawReader.read(TestSpark.session(), raw.uri(), RawDataset.HEALTH,
        List.of(RawHeader.read(raw, key, RawDataset.HEALTH)));
  }

  @Test
  void linesThatAreNotUtf8OrLeaveAQuoteOpenAreFlaggedAndLinesOfTooManyFieldsDoNotFailTheRead() throws IOException {
    ByteArrayOutputStream file = new ByteArrayOutputStream();
    file.write((HEALTH + "\n"
        + "2024-01-01,KA-BLR,dengue,1,0,0\n"
        + "2024-01-02,KA-BLR,\"dengue\n"                  // a quoted line break: two lines, each open
        + "fever\",2,0,0\n"
        + "2024-01-03,KA-BLR,\"de\"\"ngue\",3,0,0\n").getBytes(StandardCharsets.UTF_8)); // "" is closed
    file.write("2024-01-04,KA-BLR,caf\u00e9,4,0,0\n".getBytes(StandardCharsets.ISO_8859_1));
    // more fields than Spark's CSV parser takes (20,480): it would fail the job
    file.write(("2024-01-05,KA-BLR,dengue,5,0,0" + ",1".repeat(30_000) + "\n").getBytes(StandardCharsets.UTF_8));

    List<Row> rows = read("raw/health_data.csv", file.toByteArray()).collectAsList();

    // not UTF-8 : quote left open : more fields than the header
    assertThat(rows.stream().map(r -> r.getAs(RawReader.NOT_UTF8) + ":" + r.getAs(RawReader.OPEN_QUOTE) + ":"
        + r.getAs(RawReader.FIELDS_EXTRA)).toList())
        .containsExactlyInAnyOrder(
            "false:false:false",   // 2024-01-01
            "false:true:false",    // 2024-01-02,KA-BLR,"dengue
            "false:true:false",    // fever",2,0,0 (its field count looks right)
            "false:false:false",   // 2024-01-03: "" inside quotes is a closed quote
            "true:false:false",    // 2024-01-04: Latin-1
            "false:false:true");   // 2024-01-05: too many fields, not parsed
    Row tooMany = rows.stream().filter(r -> (Boolean) r.getAs(RawReader.FIELDS_EXTRA)).findFirst().orElseThrow();
    assertThat((String) tooMany.getAs("date")).isNull();
  }

  @Test
  void aFileWithMoreThan256UnknownColumnsKeepsItsLinesWholeInsteadOfAColumnEach() throws IOException {
    StringBuilder header = new StringBuilder(HEALTH);
    StringBuilder row = new StringBuilder("2024-01-01,KA-BLR,dengue,1,0,0");
    for (int i = 0; i < 300; i++) {
      header.append(",extra_").append(i);
      row.append(',').append(i);
    }

    Dataset<Row> rows = read("raw/health_data.csv", (header + "\n" + row + "\n").getBytes(StandardCharsets.UTF_8));

    assertThat(rows.columns()).contains(RawReader.RAW_LINE, "date", "cases").doesNotContain("extra_0", "extra_299");
    Row only = rows.collectAsList().get(0);
    assertThat((String) only.getAs(RawReader.RAW_LINE)).isEqualTo(row.toString());
    assertThat((String) only.getAs("hospitalizations")).isEqualTo("0");
    assertThat((Boolean) only.getAs(RawReader.FIELDS_MISSING)).isFalse();
  }

  @Test
  void fieldsAreCountedTheSameOnLinesWithAndWithoutQuotes() throws IOException {
    String content = HEALTH + "\n"
        + "2024-01-01,KA-BLR,dengue,1,0\n"              // 5 fields, no quote: missing
        + ",,,,,\n"                                     // 6 empty fields: complete
        + "2024-01-01,KA-BLR,dengue,1,0,0,7\n"          // 7 fields: extra
        + "2024-01-01,\"KA,BLR\",dengue,1,0\n"          // the quoted comma is not a separator: 5, missing
        + "2024-01-01,\"KA,BLR\",dengue,1,0,0\n"        // 6 with a quoted comma: complete
        + "2024-01-01,KA-BLR,d\u00e9ngue,1,0,0,\n";     // 7, a two-byte character before the commas
    List<Row> rows = read("raw/health_data.csv", content.getBytes(StandardCharsets.UTF_8)).collectAsList();

    assertThat(rows.stream().map(r -> r.getAs(RawReader.FIELDS_MISSING) + ":" + r.getAs(RawReader.FIELDS_EXTRA)
        + ":" + r.getAs(RawReader.OPEN_QUOTE)).toList())
        .containsExactlyInAnyOrder("true:false:false", "false:false:false", "false:true:false", "true:false:false",
            "false:false:false", "false:true:false");
  }
}
