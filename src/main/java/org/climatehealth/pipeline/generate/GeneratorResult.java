package org.climatehealth.pipeline.generate;

import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.dataset.RawDataset;

/**
 * What a generator run did.
 *
 * @param manifest the manifest it wrote at {@link GeneratorManifest#KEY}
 * @param files the files written, per dataset, in order
 * @param deleted raw dataset files deleted first ({@code overwrite})
 */
public record GeneratorResult(GeneratorManifest manifest, Map<RawDataset, List<WrittenFile>> files,
    List<String> deleted) {

  public GeneratorResult {
    files = Map.copyOf(files);
    deleted = List.copyOf(deleted);
  }

  public List<WrittenFile> files(RawDataset dataset) {
    return files.getOrDefault(dataset, List.of());
  }

  public long rows(RawDataset dataset) {
    return files(dataset).stream().mapToLong(WrittenFile::rows).sum();
  }

  public long bytes(RawDataset dataset) {
    return files(dataset).stream().mapToLong(WrittenFile::bytes).sum();
  }

  public long totalRows() {
    return files.values().stream().flatMap(List::stream).mapToLong(WrittenFile::rows).sum();
  }

  public long totalBytes() {
    return files.values().stream().flatMap(List::stream).mapToLong(WrittenFile::bytes).sum();
  }

  public int totalFiles() {
    return files.values().stream().mapToInt(List::size).sum();
  }
}
