package org.climatehealth.pipeline.cli;

import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.jobs.DatasetAccounting;
import org.climatehealth.pipeline.jobs.ProcessJob;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code process}: raw to processed (clean, validate, quarantine, join). */
@Command(name = "process", mixinStandardHelpOptions = true,
    description = {"Raw to processed: clean, validate, quarantine, and build daily_location.",
        "Reads raw/{locations,climate_data,health_data,hospital_data}*.csv from the raw store; writes",
        "processed/<dataset>/, processed/daily_location/month=YYYY-MM/ and quarantine/<dataset>/run_id=ID/",
        "to the processed store, replacing exactly the months it covers (all, or --from/--to/--date)."})
public final class ProcessCommand extends PipelineCommand {

  @Mixin DateRangeOptions dates;

  @Override
  public Integer call() {
    Settings settings = settings();
    ProcessJob.Range range = dates.range();
    try (StorageFactory stores = new StorageFactory(settings.s3())) {
      Storage raw = stores.open(settings.stores().raw());
      Storage processed = stores.open(settings.stores().processed());
      RunRecorder recorder = recorder("process");
      return withReport(processed, recorder, () -> {
        SparkSessions.Handle handle = SparkSessions.open(settings, "climate-health-pipeline process");
        try {
          SparkSession spark = handle.session();
          ProcessJob.Result result = new ProcessJob(spark, settings, raw, processed, common.runId(), range, recorder).run();
          summarise(result);
          return ExitCodes.SUCCESS;
        } finally {
          handle.close();
        }
      });
    }
  }

  private void summarise(ProcessJob.Result result) {
    out().printf(Locale.ROOT, "%-10s %12s %12s %12s %12s  %s%n", "dataset", "rows_read", "valid", "quarantined",
        "collapsed", "reasons");
    for (Map.Entry<String, DatasetAccounting> entry : result.datasets().entrySet()) {
      DatasetAccounting a = entry.getValue();
      out().printf(Locale.ROOT, "%-10s %12d %12d %12d %12d  %s%n", entry.getKey(), a.rowsRead(), a.rowsValid(),
          a.rowsQuarantined(), a.duplicatesCollapsed(), a.reasons().isEmpty() ? "-" : a.reasons());
    }
    out().printf(Locale.ROOT, "daily_location: %d rows in %d month partition%s%n", result.dailyLocationRows(),
        result.dailyLocationMonths().size(), result.dailyLocationMonths().size() == 1 ? "" : "s");
    if (!result.unconfiguredDiseases().isEmpty()) {
      out().println("diseases not in pipeline.diseases (counted in totals only): "
          + String.join(", ", result.unconfiguredDiseases()));
    }
    out().println("stages (s): " + result.stageSeconds());
  }
}
