package org.climatehealth.pipeline.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RawHeader#read}: what it makes of files that are not, or not quite, CSV text. */
class RawHeaderTest {
  private static final String CLIMATE = "date,location_id,temperature_max_c,temperature_min_c,humidity_pct,rainfall_mm,air_quality_index";

  @TempDir Path dir;
  private LocalStorage raw;

  @BeforeEach
  void store() throws IOException {
    Files.createDirectories(dir.resolve("raw"));
    raw = new LocalStorage(StoreUri.local(dir));
  }

  private RawHeader read(byte[] content) throws IOException {
    Files.write(dir.resolve("raw/climate_data.csv"), content);
    return RawHeader.read(raw, "raw/climate_data.csv", RawDataset.CLIMATE);
  }

  @Test
  void aLatin1ByteInALaterRowIsThatRowsProblemNotTheHeaders() throws IOException {
    // the old reader decoded ahead of the header line and failed the whole run on this byte
    byte[] file = (CLIMATE + "\n2024-01-01,KA-BLR,30,20,50,10,80\n").getBytes(StandardCharsets.UTF_8);
    byte[] latin1 = "2024-01-02,KA-BLR,30,20,50,10,caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    byte[] both = new byte[file.length + latin1.length];
    System.arraycopy(file, 0, both, 0, file.length);
    System.arraycopy(latin1, 0, both, file.length, latin1.length);

    RawHeader header = read(both);

    assertThat(header.names()).hasSize(7).startsWith("date", "location_id");
    assertThat(header.line()).isEqualTo(CLIMATE);
  }

  @Test
  void aLatin1HeaderIsNamedAsNotUtf8() {
    byte[] file = (CLIMATE + ",r\u00e9gion\n").getBytes(StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> read(file)).isInstanceOf(InvalidInputException.class)
        .hasMessageEndingWith("raw/climate_data.csv: the header is not valid UTF-8 (another encoding such as Latin-1, "
            + "or binary content): save the file as UTF-8");
  }

  @Test
  void gzipZipAndBinaryFilesAreNamedForWhatTheyAre() throws IOException {
    ByteArrayOutputStream gzip = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gzip)) {
      out.write((CLIMATE + "\n").getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> read(gzip.toByteArray())).hasMessageContaining("raw/climate_data.csv: the file is gzip-compressed");
    assertThatThrownBy(() -> read(new byte[] {'P', 'K', 3, 4, 20, 0})).hasMessageContaining("the file is a zip archive");
    // a zero byte after the header line, within the first 8,000 bytes, as git decides
    byte[] binary = (CLIMATE + "\nabc\0def\n").getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> read(binary))
        .hasMessageContaining("the file is binary, not a text CSV file (a zero byte at offset " + (CLIMATE.length() + 4) + ")");
  }

  @Test
  void aHeaderOfOneFieldWithSemicolonsOrTabsSaysTheFileIsNotCommaSeparated() {
    assertThatThrownBy(() -> read((CLIMATE.replace(',', ';') + "\n").getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("required column 'date' is missing")
        .hasMessageEndingWith("; the header is one field containing ';': the file must be comma-separated");
    assertThatThrownBy(() -> read((CLIMATE.replace(',', '\t') + "\n").getBytes(StandardCharsets.UTF_8)))
        .hasMessageEndingWith("; the header is one field containing '\\t': the file must be comma-separated");
  }

  @Test
  void aColumnWithoutANameIsNotAnUnknownColumn() throws IOException {
    RawHeader header = read((CLIMATE + ",,notes\n").getBytes(StandardCharsets.UTF_8));

    assertThat(header.unknownColumns(RawDataset.CLIMATE)).containsExactly("notes");
  }

  @Test
  void aHeaderOverOneMebibyteIsRefused() {
    byte[] file = (CLIMATE + "," + "x".repeat(1 << 20) + "\n").getBytes(StandardCharsets.UTF_8);

    assertThatThrownBy(() -> read(file)).hasMessageContaining("the header line is longer than 1 MiB");
  }
}
