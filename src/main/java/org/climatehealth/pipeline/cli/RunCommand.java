package org.climatehealth.pipeline.cli;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.generate.Generator;
import org.climatehealth.pipeline.generate.GeneratorOptions;
import org.climatehealth.pipeline.generate.GeneratorResult;
import org.climatehealth.pipeline.ingest.InvalidInputException;
import org.climatehealth.pipeline.jobs.PredictJob;
import org.climatehealth.pipeline.jobs.ProcessJob;
import org.climatehealth.pipeline.jobs.TrainJob;
import org.climatehealth.pipeline.model.ForecastModel;
import org.climatehealth.pipeline.model.RiskModel;
import org.climatehealth.pipeline.monitor.RawManifest;
import org.climatehealth.pipeline.monitor.RawManifests;
import org.climatehealth.pipeline.registry.ModelRegistry;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: the main job. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = {"The main job: process, then train when no approved model exists, then predict.",
        "1. generate sample data (the generate command's defaults) when a raw store on local disk has no raw/",
        "   objects (an empty raw store on S3 is an error: sample data never goes to a real bucket unasked);",
        "2. record the raw/ objects in _manifests/raw/<run_id>.json (as scan does),",
        "   compared with the last successful run's manifest; the report names it;",
        "3. process raw -> processed (all dates);",
        "4. train the risk and forecast models that have no approved version (exit 3 if one misses its gate);",
        "5. predict the latest date with data.",
        "Ends with a summary: what ran, how long, where the outputs are, the top alerts."})
public final class RunCommand extends PipelineCommand {

  @Option(names = "--if-changed",
      description = "Run only when a raw/ object is new, changed (size or ETag) or removed since the manifest of the"
          + " last successful run (no such run yet: run). A removed object counts: the processed data would differ."
          + " Otherwise write the manifest and a run report saying skipped, start no Spark, and exit 0.")
  boolean ifChanged;

  @Override
  public Integer call() {
    Settings settings = settings();
    try (StorageFactory stores = new StorageFactory(settings.s3())) {
      Storage raw = stores.open(settings.stores().raw());
      Storage processed = stores.open(settings.stores().processed());
      Storage models = stores.open(settings.stores().models());
      RunRecorder recorder = recorder("run");
      return withReport(processed, recorder, () -> {
        Map<String, Double> steps = new LinkedHashMap<>();
        long start = System.nanoTime();
        List<ObjectInfo> listing = RawManifests.listRaw(raw);
        if (listing.isEmpty()) {
          if (!raw.uri().isLocal()) {
            throw new InvalidInputException("the raw store " + raw.uri() + " has no " + RawManifests.RAW_PREFIX
                + " objects: load raw data first (migrate, or your feeds); run writes sample data only into a raw"
                + " store on local disk (use generate to write it elsewhere)");
          }
          GeneratorOptions options = defaultGeneratorOptions();
          GeneratorResult generated = new Generator(options).run(raw);
          out().printf(Locale.ROOT, "generate: the raw store was empty; wrote sample data (%d locations x %d days "
                  + "from %s, seed %d): %,d rows -> %s%n", options.locations(), options.days(), options.startDate(),
              options.seed(), generated.totalRows(), raw.uri().resolve(RawManifests.RAW_PREFIX));
          start = step(steps, "generate", start);
          listing = RawManifests.listRaw(raw);
        }
        RawManifests manifests = new RawManifests(processed, Clock.systemUTC());
        RawManifest manifest = manifests.record(raw, listing, common.runId(), "run",
            manifests.newestConsumedBySuccessfulRun());
        ScanCommand.record(recorder, manifest, processed);
        if (ifChanged && !manifest.hasChanges()) {
          String unchanged = "nothing new, changed or removed under " + raw.uri().resolve(RawManifests.RAW_PREFIX)
              + " since manifest " + manifest.baseline() + ", consumed by run " + RawManifests.runId(manifest.baseline());
          out().println("run: " + unchanged + "; skipped (--if-changed)");
          out().println("manifest: " + processed.uri().resolve(RawManifests.key(manifest.runId())));
          recorder.detail("skipped", "--if-changed: " + unchanged);
          return ExitCodes.SUCCESS;
        }
        ScanCommand.summarise(out(), "raw", manifest, raw, processed);
        SparkSessions.Handle handle = SparkSessions.open(settings, "climate-health-pipeline run");
        try {
          SparkSession spark = handle.session();
          ProcessJob.Result processedResult = new ProcessJob(spark, settings, raw, processed, common.runId(),
              ProcessJob.Range.ALL, recorder).run();
          long valid = processedResult.datasets().values().stream().mapToLong(a -> a.rowsValid()).sum();
          long quarantined = processedResult.datasets().values().stream().mapToLong(a -> a.rowsQuarantined()).sum();
          start = step(steps, "process", start);
          out().printf(Locale.ROOT, "process: %,d valid rows, %,d quarantined; daily_location %,d rows in %d months -> %s%n",
              valid, quarantined, processedResult.dailyLocationRows(), processedResult.dailyLocationMonths().size(),
              processed.uri().resolve("processed/"));

          ModelRegistry registry = new ModelRegistry(models, Clock.systemUTC());
          List<String> toTrain = new ArrayList<>();
          for (String name : List.of(RiskModel.NAME, ForecastModel.NAME)) {
            if (registry.latestApproved(name).isEmpty()) {
              toTrain.add(name);
            }
          }
          int verdict = ExitCodes.SUCCESS;
          if (toTrain.isEmpty()) {
            out().println("train: skipped (approved models exist: risk v" + registry.latestApproved(RiskModel.NAME)
                .orElseThrow().version() + ", forecast v" + registry.latestApproved(ForecastModel.NAME).orElseThrow()
                .version() + ")");
          } else {
            List<TrainJob.Outcome> outcomes = new TrainJob(spark, settings, processed, models, stores,
                Clock.systemUTC(), common.runId(), recorder).run(toTrain);
            start = step(steps, "train", start);
            for (TrainJob.Outcome o : outcomes) {
              out().printf(Locale.ROOT, "train: %s v%04d %s (%s) -> %s%n", o.metadata().name(),
                  o.metadata().version(), o.metadata().status(), o.metadata().gate().message(), o.location());
            }
            // a model that missed its gate: predict still writes what the other (approved) model gives
            boolean anyApproved = registry.latestApproved(RiskModel.NAME).isPresent()
                || registry.latestApproved(ForecastModel.NAME).isPresent();
            verdict = TrainCommand.gateVerdict(this, outcomes, anyApproved
                ? "predict wrote what the approved model gives" : "nothing was predicted");
            if (verdict == ExitCodes.GATE_FAILED && !anyApproved) {
              return ExitCodes.GATE_FAILED;
            }
          }

          PredictJob.Result predicted = new PredictJob(spark, settings.predict(), processed, models, common.runId(),
              recorder).run(new PredictJob.Dates(null, null));
          step(steps, "predict", start);
          PredictCommand.warn(err(), predicted);
          PredictCommand.summarise(out(), predicted, processed);
          recorder.detail("step_seconds", steps);
          out().println("steps (s): " + steps + "; models: " + models.uri().resolve("models/")
              + " (scripts/pipeline models list)");
          return verdict;
        } finally {
          handle.close();
        }
      });
    }
  }

  /** The generate command's defaults, read from its own option declarations. */
  private static GeneratorOptions defaultGeneratorOptions() {
    GenerateCommand generate = new GenerateCommand();
    new CommandLine(generate).parseArgs();
    return generate.options();
  }

  private static long step(Map<String, Double> steps, String name, long since) {
    long now = System.nanoTime();
    steps.put(name, Math.round((now - since) / 1e8) / 10.0);
    return now;
  }
}
