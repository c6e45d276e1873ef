package org.climatehealth.pipeline.generate;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.climatehealth.pipeline.dataset.ReasonCode;

/** Counts, while a dataset is written, what processing must make of each row. */
final class Tally {
  private static final int EXAMPLES_PER_FORM = 3;

  private long valid;
  private long quarantined;
  private long collapsed;
  private final Map<ReasonCode, Long> reasons = new EnumMap<>(ReasonCode.class);
  private final Map<String, Long> variants = new TreeMap<>();
  private final Map<String, Long> defects = new TreeMap<>();
  private final Map<String, List<GeneratorManifest.Example>> examples = new TreeMap<>();

  /** A row that stays valid. */
  void valid() {
    valid++;
  }

  /** A row that stays valid although written in an unusual form. */
  void variant(String form, CsvSink sink, String line) {
    valid++;
    variants.merge(form, 1L, Long::sum);
    example(form, sink, line);
  }

  /** A row that processing must quarantine for {@code reason}. */
  void quarantined(ReasonCode reason, String form, CsvSink sink, String line) {
    quarantined++;
    reasons.merge(reason, 1L, Long::sum);
    defects.merge(form, 1L, Long::sum);
    example(form, sink, line);
  }

  /** A row that repeats a valid one exactly (after normalisation): collapsed, not counted as valid. */
  void collapsed(String form, CsvSink sink, String line) {
    collapsed++;
    defects.merge(form, 1L, Long::sum);
    example(form, sink, line);
  }

  /** Records where {@code line} goes before it is written to {@code sink}. */
  private void example(String form, CsvSink sink, String line) {
    List<GeneratorManifest.Example> list = examples.computeIfAbsent(form, k -> new ArrayList<>());
    if (list.size() < EXAMPLES_PER_FORM) {
      list.add(new GeneratorManifest.Example(sink.key(), sink.nextLine(), line));
    }
  }

  GeneratorManifest.DatasetManifest manifest(CsvSink sink) {
    long read = sink.totalRows();
    if (read != valid + quarantined + collapsed) {
      throw new IllegalStateException(sink.dataset().tableName() + ": " + read + " rows written but " + valid
          + " valid + " + quarantined + " quarantined + " + collapsed + " collapsed accounted for");
    }
    List<String> files = sink.files().stream().map(WrittenFile::key).toList();
    return new GeneratorManifest.DatasetManifest(files, read, sink.totalBytes(),
        new GeneratorManifest.Expected(read, valid, quarantined, collapsed, new EnumMap<>(reasons)),
        new TreeMap<>(variants), new TreeMap<>(defects), new TreeMap<>(examples));
  }
}
