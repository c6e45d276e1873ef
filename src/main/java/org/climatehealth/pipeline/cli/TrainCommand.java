package org.climatehealth.pipeline.cli;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.jobs.TrainJob;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.spark.SparkSessions;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code train}: train, evaluate, gate and register models. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = {"Train, evaluate, gate and register models.",
        "risk and forecast learn from processed/daily_location/ (time-based hold-out: the most recent days);",
        "abalone from the UCI Abalone CSV (pipeline.models.abalone.data; the shipped copy by default).",
        "Each model is registered as models/<name>/v<NNNN>/ in the models store: approved or pending",
        "(pipeline.models.approval = auto | manual) when it passes its quality gate, rejected when it does not.",
        "Exit 3 when a model missed its gate."})
public final class TrainCommand extends PipelineCommand {

  @Option(names = "--model", paramLabel = "NAME", split = ",",
      description = "A model to train: risk, forecast or abalone; repeatable or comma-separated (default: all).")
  List<String> models = new ArrayList<>();

  @Override
  public Integer call() {
    Settings settings = settings();
    List<String> names = chosen();
    try (StorageFactory stores = new StorageFactory(settings.s3())) {
      Storage processed = stores.open(settings.stores().processed());
      Storage modelStore = stores.open(settings.stores().models());
      RunRecorder recorder = recorder("train");
      return withReport(processed, recorder, () -> {
        SparkSessions.Handle handle = SparkSessions.open(settings, "climate-health-pipeline train");
        try {
          List<TrainJob.Outcome> outcomes = new TrainJob(handle.session(), settings, processed, modelStore, stores,
              Clock.systemUTC(), common.runId(), recorder).run(names);
          return report(outcomes);
        } finally {
          handle.close();
        }
      });
    }
  }

  private List<String> chosen() {
    if (models.isEmpty()) {
      return TrainJob.MODELS;
    }
    List<String> names = new ArrayList<>();
    for (String model : models) {
      String name = model.trim().toLowerCase(Locale.ROOT);
      if (!TrainJob.MODELS.contains(name)) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(),
            "unknown model '" + model + "' for --model: choose from " + String.join(", ", TrainJob.MODELS));
      }
      if (!names.contains(name)) {
        names.add(name);
      }
    }
    return names;
  }

  /** Prints what was trained; returns the exit code (3 when a model missed its gate, naming it). */
  int report(List<TrainJob.Outcome> outcomes) {
    out().printf(Locale.ROOT, "%-9s %-7s %-9s %6s  %s%n", "model", "version", "status", "train_s", "metrics");
    for (TrainJob.Outcome o : outcomes) {
      out().printf(Locale.ROOT, "%-9s v%04d   %-9s %6.1f  %s%n", o.metadata().name(), o.metadata().version(),
          o.metadata().status(), o.seconds(), metrics(o.metadata().metrics()));
      out().println("          gate: " + o.metadata().gate().message() + "  -> " + o.location());
    }
    return gateVerdict(this, outcomes, "see 'models show NAME VERSION'");
  }

  /**
   * SUCCESS when every model passed its gate; else GATE_FAILED, with the one error line (which
   * models missed and by how much, then {@code next}) on stderr and kept for the run report.
   */
  static int gateVerdict(PipelineCommand command, List<TrainJob.Outcome> outcomes, String next) {
    List<String> missed = outcomes.stream().filter(o -> !o.gatePassed())
        .map(o -> "model " + o.metadata().name() + " v" + o.metadata().version() + " missed its quality gate: "
            + o.metadata().gate().message())
        .toList();
    if (missed.isEmpty()) {
      return ExitCodes.SUCCESS;
    }
    command.gateFailure = String.join("; ", missed);
    command.err().println("error: " + command.gateFailure + " (registered as rejected; " + next + ")");
    command.err().flush();
    return ExitCodes.GATE_FAILED;
  }

  private static String metrics(Map<String, Double> metrics) {
    return metrics.entrySet().stream()
        .filter(e -> !e.getKey().equals("positives") && !e.getKey().equals("negatives")
            && !e.getKey().equals("compared_rows"))
        .map(e -> e.getKey() + "=" + String.format(Locale.ROOT, "%.4f", e.getValue()))
        .collect(Collectors.joining(" "));
  }
}
