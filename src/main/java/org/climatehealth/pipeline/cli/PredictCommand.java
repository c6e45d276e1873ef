package org.climatehealth.pipeline.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.jobs.PredictJob;
import org.climatehealth.pipeline.jobs.ProcessJob;
import org.climatehealth.pipeline.model.ForecastModel;
import org.climatehealth.pipeline.model.RiskModel;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code predict}: score processed data into predictions, forecasts and alerts. */
@Command(name = "predict", mixinStandardHelpOptions = true,
    description = {"Score processed/daily_location/ with the highest approved risk and forecast models.",
        "Writes predictions/date=D/, forecasts/date=D/ and alerts/date=D/ to the processed store",
        "(pipeline.predict.format: parquet, json or csv), replacing exactly the dates it covers:",
        "--date D, --from D1 --to D2, --from D1 (up to the latest date with data); default: the latest date.",
        "Rows that cannot be scored go to quarantine/predictions/run_id=ID/ with their reason."})
public final class PredictCommand extends PipelineCommand {

  @Mixin DateRangeOptions dates;

  @Override
  public Integer call() {
    Settings settings = settings();
    ProcessJob.Range range = dates.range();
    try (StorageFactory stores = new StorageFactory(settings.s3())) {
      Storage processed = stores.open(settings.stores().processed());
      Storage models = stores.open(settings.stores().models());
      RunRecorder recorder = recorder("predict");
      return withReport(processed, recorder, () -> {
        SparkSessions.Handle handle = SparkSessions.open(settings, "climate-health-pipeline predict");
        try {
          PredictJob.Result result = new PredictJob(handle.session(), settings.predict(), processed, models,
              common.runId(), recorder).run(new PredictJob.Dates(range.from(), range.to()));
          warn(err(), result);
          summarise(out(), result, processed);
          return ExitCodes.SUCCESS;
        } finally {
          handle.close();
        }
      });
    }
  }

  /** One warning line on stderr per model that had no approved version: what was not written, what to do. */
  static void warn(PrintWriter err, PredictJob.Result result) {
    result.skipped().forEach(s -> err.println(s.warning()));
    err.flush();
  }

  /** The predict part of a summary: dates, rows, alerts and where they are. */
  static void summarise(PrintWriter out, PredictJob.Result result, Storage processed) {
    String span = result.dates().size() == 1 ? result.dates().get(0)
        : result.dates().get(0) + " to " + result.dates().get(result.dates().size() - 1);
    out.printf(Locale.ROOT, "predict %s with %s and %s: %,d locations scored, %,d forecasts, %,d alerts%s%n",
        span, PredictJob.describe(RiskModel.NAME, result.risk()), PredictJob.describe(ForecastModel.NAME,
            result.forecast()), result.predictions(), result.forecasts(),
        result.alerts(), result.alertsByType().isEmpty() ? "" : " " + result.alertsByType());
    if (result.unscored() > 0) {
      out.printf(Locale.ROOT, "  %,d rows could not be scored (missing features): %s%n", result.unscored(),
          processed.uri().resolve(PredictJob.UNSCORED));
    }
    List<String> tables = new ArrayList<>();
    if (result.risk() != null) {
      tables.add(PredictJob.PREDICTIONS);
    }
    if (result.forecast() != null) {
      tables.add(PredictJob.FORECASTS);
    }
    tables.add(PredictJob.ALERTS);
    for (String table : tables) {
      out.println("  " + processed.uri().resolve(table + "date=" + result.dates().get(0))
          + (result.dates().size() == 1 ? "/" : "/ .. date=" + result.dates().get(result.dates().size() - 1) + "/"));
    }
    if (!result.topAlerts().isEmpty()) {
      out.println("top alerts:");
      for (Row alert : result.topAlerts()) {
        out.printf(Locale.ROOT, "  %-8s %-15s %-8s %s  %s%n", alert.getAs("location_id"), alert.getAs("alert_type"),
            alert.getAs("severity"), alert.getAs("date"), alert.getAs("message"));
      }
    }
  }
}
