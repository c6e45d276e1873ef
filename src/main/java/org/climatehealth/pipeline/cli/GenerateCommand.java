package org.climatehealth.pipeline.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.generate.Generator;
import org.climatehealth.pipeline.generate.GeneratorManifest;
import org.climatehealth.pipeline.generate.GeneratorOptions;
import org.climatehealth.pipeline.generate.GeneratorResult;
import org.climatehealth.pipeline.generate.WrittenFile;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code generate}: synthetic raw data (locations, climate, health, hospital) in the raw store. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = {"Write realistic synthetic raw data (the four datasets) into the raw store.",
        "Files: raw/locations.csv,",
        "raw/climate_data.csv, raw/health_data.csv and raw/hospital_data.csv (or one file",
        "per day and dataset with --daily-files), and _generator/manifest.json saying",
        "what was written and injected. Indian districts with seasonal weather (pre-",
        "monsoon heat, monsoon rain) and disease counts that follow it with lags. The",
        "same --seed and options give byte-identical files. Refuses when raw datasets",
        "are already in the store, unless --overwrite."})
public final class GenerateCommand extends PipelineCommand {

  @Option(names = "--locations", paramLabel = "N", defaultValue = "50",
      description = "Number of locations, 1 to 100000 (default: ${DEFAULT-VALUE}).")
  int locations;

  @Option(names = "--days", paramLabel = "N", defaultValue = "730",
      description = "Number of days, 1 to 36500 (default: ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--start-date", paramLabel = "DATE", defaultValue = "2023-01-01",
      description = "First day, an ISO date (default: ${DEFAULT-VALUE}).")
  String startDate;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
      description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--dirty-fraction", paramLabel = "F", defaultValue = "0",
      description = "Probability, 0 to 0.5, that a climate, health or hospital row gets one defect or unusual"
          + " form (bad dates, missing values, sentinels, duplicates, malformed rows...), all recorded in the"
          + " manifest (default: ${DEFAULT-VALUE}).")
  double dirtyFraction;

  @Option(names = "--daily-files", description = "One file per day and dataset: raw/climate_data_YYYY-MM-DD.csv...")
  boolean dailyFiles;

  @Option(names = "--overwrite",
      description = "First delete raw/locations*.csv, raw/climate_data*.csv, raw/health_data*.csv, raw/hospital_data*.csv.")
  boolean overwrite;

  /** The generator options these command-line options give. */
  GeneratorOptions options() {
    return new GeneratorOptions(locations, days, GeneratorOptions.parseStartDate(startDate), seed, dirtyFraction,
        dailyFiles, overwrite);
  }

  @Override
  public Integer call() {
    GeneratorOptions options = options();
    Settings settings = settings();
    try (StorageFactory stores = new StorageFactory(settings.s3())) {
      Storage raw = stores.open(settings.stores().raw());
      Storage processed = stores.open(settings.stores().processed());
      RunRecorder recorder = recorder("generate");
      return withReport(processed, recorder, () -> {
        long started = System.nanoTime();
        GeneratorResult result = new Generator(options).run(raw);
        double seconds = (System.nanoTime() - started) / 1e9;
        record(recorder, options, raw, result);
        summary(settings, options, raw, result, seconds);
        return ExitCodes.SUCCESS;
      });
    }
  }

  private static void record(RunRecorder recorder, GeneratorOptions options, Storage raw, GeneratorResult result) {
    for (RawDataset dataset : RawDataset.values()) {
      for (WrittenFile file : result.files(dataset)) {
        recorder.output(new RunReport.Output(raw.uri().resolve(file.key()).toString(), 1L, file.bytes(), file.rows(),
            null));
      }
    }
    recorder.output(new RunReport.Output(raw.uri().resolve(GeneratorManifest.KEY).toString(), 1L, null, null, null));
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("seed", options.seed());
    parameters.put("locations", options.locations());
    parameters.put("days", options.days());
    parameters.put("start_date", options.startDate().toString());
    parameters.put("end_date", options.endDate().toString());
    parameters.put("dirty_fraction", options.dirtyFraction());
    parameters.put("daily_files", options.dailyFiles());
    parameters.put("overwrite", options.overwrite());
    Map<String, Object> datasets = new LinkedHashMap<>();
    for (RawDataset dataset : RawDataset.values()) {
      GeneratorManifest.Expected expected = result.manifest().dataset(dataset).expected();
      Map<String, Object> facts = new LinkedHashMap<>();
      facts.put("files", result.files(dataset).size());
      facts.put("rows", result.rows(dataset));
      facts.put("bytes", result.bytes(dataset));
      facts.put("expected_valid", expected.rowsValid());
      facts.put("expected_quarantined", expected.rowsQuarantined());
      facts.put("expected_duplicates_collapsed", expected.duplicatesCollapsed());
      datasets.put(dataset.tableName(), facts);
    }
    recorder.detail("parameters", parameters)
        .detail("datasets", datasets)
        .detail("rows_written", result.totalRows())
        .detail("bytes_written", result.totalBytes())
        .detail("deleted_files", result.deleted().size())
        .detail("manifest", raw.uri().resolve(GeneratorManifest.KEY).toString());
  }

  private void summary(Settings settings, GeneratorOptions options, Storage raw, GeneratorResult result,
      double seconds) {
    out().printf(Locale.ROOT, "generate: %d location%s x %d day%s (%s to %s), seed %d, dirty fraction %s -> raw store %s%n",
        options.locations(), options.locations() == 1 ? "" : "s", options.days(), options.days() == 1 ? "" : "s",
        options.startDate(), options.endDate(), options.seed(), options.dirtyFraction(), raw.uri());
    if (!result.deleted().isEmpty()) {
      out().printf(Locale.ROOT, "  deleted %d existing raw dataset file%s first (--overwrite)%n", result.deleted().size(),
          result.deleted().size() == 1 ? "" : "s");
    }
    for (RawDataset dataset : RawDataset.values()) {
      int files = result.files(dataset).size();
      out().printf(Locale.ROOT, "  %-10s %6d file%s %,13d rows %11s%n", dataset.tableName(), files,
          files == 1 ? " " : "s", result.rows(dataset), Bytes.human(result.bytes(dataset)));
    }
    if (options.dirtyFraction() > 0) {
      List<String> expected = new ArrayList<>();
      for (RawDataset dataset : RawDataset.values()) {
        GeneratorManifest.Expected e = result.manifest().dataset(dataset).expected();
        expected.add(String.format(Locale.ROOT, "%s %,d", dataset.tableName(), e.rowsQuarantined()));
      }
      out().println("  rows that processing must quarantine: " + String.join(", ", expected));
    }
    List<String> unconfigured = result.manifest().diseases().stream()
        .filter(d -> !settings.diseases().contains(d)).toList();
    out().println("  diseases: " + String.join(", ", result.manifest().diseases())
        + (unconfigured.isEmpty() ? "" : " (not in pipeline.diseases: " + String.join(", ", unconfigured) + ")"));
    out().println("  manifest: " + raw.uri().resolve(GeneratorManifest.KEY));
    out().printf(Locale.ROOT, "generate: wrote %,d files, %,d rows, %s in %.1f s%n", result.totalFiles(),
        result.totalRows(), Bytes.human(result.totalBytes()), seconds);
  }

  /** {@code generate} writes the raw store: it does not take the processed store's lease. */
  @Override
  boolean leased() {
    return false;
  }
}
