package org.climatehealth.pipeline.generate;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.dataset.ReasonCode;

/**
 * What {@code generate} wrote and what processing it must give: written to the raw store at
 * {@link #KEY} (outside {@code raw/}, so never read as data). Read it back with
 * {@code storage.readJson(GeneratorManifest.KEY, GeneratorManifest.class)}.
 *
 * @param seed the random seed
 * @param locations number of (valid) locations
 * @param days number of days
 * @param startDate first day, ISO
 * @param endDate last day, ISO
 * @param dirtyFraction probability that a climate, health or hospital row was made dirty
 * @param dailyFiles one file per day and dataset, or one per dataset
 * @param diseases every disease in the health data (including ones not in the default configuration)
 * @param datasets per dataset, by its table name: locations, climate, health, hospital
 * @param dataVersion what the generator writes for given parameters ({@link #DATA_VERSION} now; 0 in
 *     manifests written before there was a version): data of another version is not the same data
 */
public record GeneratorManifest(
    long seed,
    int locations,
    int days,
    @JsonProperty("start_date") String startDate,
    @JsonProperty("end_date") String endDate,
    @JsonProperty("dirty_fraction") double dirtyFraction,
    @JsonProperty("daily_files") boolean dailyFiles,
    List<String> diseases,
    Map<String, DatasetManifest> datasets,
    @JsonProperty("data_version") int dataVersion) {

  /** The manifest's key in the raw store. */
  public static final String KEY = "_generator/manifest.json";

  /**
   * The version of what the generator writes: 1 (unnumbered), 2 with the lines that are not UTF-8
   * and the quotes not closed on their line among the malformed rows.
   */
  public static final int DATA_VERSION = 2;

  /** The entry of one dataset. */
  public DatasetManifest dataset(RawDataset dataset) {
    return datasets.get(dataset.tableName());
  }

  /**
   * One dataset: its files and what a correct {@code process} run must make of them.
   *
   * @param files the raw-store keys written, in order
   * @param rowsWritten data lines written (headers excluded); equals {@code expected.rows_read}
   * @param bytesWritten bytes written, headers included
   * @param expected the row accounting that processing must report
   * @param variants rows written in an unusual but valid form (they stay valid), by form
   * @param defects rows made invalid or duplicated, by form (their reasons are in {@code expected})
   * @param examples up to three injected lines per variant and defect form: file, line number, text
   */
  public record DatasetManifest(
      List<String> files,
      @JsonProperty("rows_written") long rowsWritten,
      @JsonProperty("bytes_written") long bytesWritten,
      Expected expected,
      Map<String, Long> variants,
      Map<String, Long> defects,
      Map<String, List<Example>> examples) {}

  /**
   * The accounting processing must report for a dataset: {@code rows_read = rows_valid +
   * rows_quarantined + duplicates_collapsed}, and the reasons (non-zero ones only) sum to
   * {@code rows_quarantined}.
   */
  public record Expected(
      @JsonProperty("rows_read") long rowsRead,
      @JsonProperty("rows_valid") long rowsValid,
      @JsonProperty("rows_quarantined") long rowsQuarantined,
      @JsonProperty("duplicates_collapsed") long duplicatesCollapsed,
      Map<ReasonCode, Long> reasons) {

    /** Rows expected in quarantine with this reason (0 when none). */
    public long reason(ReasonCode code) {
      return reasons.getOrDefault(code, 0L);
    }
  }

  /** One injected line: where it is (1-based line number, the header is line 1) and its text. */
  public record Example(String file, long line, String text) {}
}
