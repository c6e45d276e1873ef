package org.climatehealth.pipeline.jobs;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.climatehealth.pipeline.config.ModelSettings;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.dataset.DailyLocation;
import org.climatehealth.pipeline.ingest.InvalidInputException;
import org.climatehealth.pipeline.model.AbaloneModel;
import org.climatehealth.pipeline.model.Features;
import org.climatehealth.pipeline.model.ForecastModel;
import org.climatehealth.pipeline.model.RiskModel;
import org.climatehealth.pipeline.model.TrainedModel;
import org.climatehealth.pipeline.registry.ModelMetadata;
import org.climatehealth.pipeline.registry.ModelRegistry;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.spark.ShufflePartitions;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code train}: fits, evaluates, gates and registers models (CONTRACT §6). Each model gets a new
 * version in the registry whatever its outcome: {@code rejected} (by "gate") when it missed its
 * quality gate, else {@code approved} under {@code pipeline.models.approval = auto} or
 * {@code pending} (waiting for {@code models approve}) under {@code manual}.
 *
 * <p>The risk and forecast models share one pass of feature building over {@code daily_location};
 * the abalone model reads its own CSV.
 */
public final class TrainJob {
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  /** The models this job can train, in training order. */
  public static final List<String> MODELS = List.of(RiskModel.NAME, ForecastModel.NAME, AbaloneModel.NAME);

  /** What training one model produced: its registered metadata, where it is, and how long it took. */
  public record Outcome(ModelMetadata metadata, String location, double seconds) {
    public boolean gatePassed() {
      return metadata.gate().passed();
    }
  }

  private final SparkSession spark;
  private final Settings settings;
  private final Storage processed;
  private final Storage models;
  private final StorageFactory stores;
  private final ModelRegistry registry;
  private final Clock clock;
  private final String runId;
  private final RunRecorder recorder;

  public TrainJob(SparkSession spark, Settings settings, Storage processed, Storage models, StorageFactory stores,
      Clock clock, String runId, RunRecorder recorder) {
    this.spark = spark;
    this.settings = settings;
    this.processed = processed;
    this.models = models;
    this.stores = stores;
    this.registry = new ModelRegistry(models, clock);
    this.clock = clock;
    this.runId = runId;
    this.recorder = recorder;
  }

  /** Trains the named models (a subset of {@link #MODELS}), in {@link #MODELS} order. */
  public List<Outcome> run(List<String> names) {
    List<Outcome> outcomes = new ArrayList<>();
    ModelSettings config = settings.models();
    boolean needsDaily = names.contains(RiskModel.NAME) || names.contains(ForecastModel.NAME);
    Dataset<Row> features = needsDaily ? features() : null;
    try {
      for (String name : MODELS) {
        if (!names.contains(name)) {
          continue;
        }
        long start = System.nanoTime();
        LOG.info("training {}", name);
        TrainedModel trained = switch (name) {
          case RiskModel.NAME -> RiskModel.train(Features.withFutureIncidence(features), config.risk(),
              settings.predict().highRisk());
          case ForecastModel.NAME -> ForecastModel.train(Features.forecastRows(features, true), config.forecast());
          case AbaloneModel.NAME -> AbaloneModel.train(
              AbaloneModel.read(spark, config.abalone().data(), stores), config.abalone());
          default -> throw new IllegalArgumentException("unknown model " + name);
        };
        ModelMetadata registered;
        try {
          registered = register(trained);
        } finally {
          trained.release();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String location = models.uri().resolve(ModelRegistry.versionKey(name, registered.version())).toString();
        LOG.info("{} v{}: {} ({}; {} s)", name, registered.version(), registered.status(), registered.gate().message(),
            String.format(java.util.Locale.ROOT, "%.1f", seconds));
        recorder.output(new RunReport.Output(location, null, null, null, null));
        outcomes.add(new Outcome(registered, location, seconds));
      }
    } finally {
      if (features != null) {
        features.unpersist();
      }
    }
    recorder.detail("models", outcomes.stream().map(TrainJob::reported).toList());
    return outcomes;
  }

  /** A trained model in the run report: what a reader needs without opening the metadata. */
  private static Map<String, Object> reported(Outcome outcome) {
    ModelMetadata m = outcome.metadata();
    Map<String, Object> entry = new java.util.LinkedHashMap<>();
    entry.put("name", m.name());
    entry.put("version", m.version());
    entry.put("status", m.status());
    entry.put("metrics", m.metrics());
    entry.put("metrics_unavailable", m.metricsUnavailable());
    if (m.parameters() != null && m.parameters().get("threshold") != null) {
      entry.put("threshold", m.parameters().get("threshold")); // how many locations fell back, and why
    }
    if (m.backtest() != null) {
      entry.put("backtest", m.backtest());
    }
    entry.put("gate", m.gate());
    return entry;
  }

  /** The features of every daily_location row, computed once for the risk and forecast models. */
  private Dataset<Row> features() {
    if (!processed.exists(DailyLocation.FOLDER)) {
      throw new InvalidInputException("no daily_location table in " + processed.uri().resolve(DailyLocation.PREFIX)
          + ": run process first");
    }
    long bytes = processed.list(DailyLocation.PREFIX).stream().mapToLong(o -> o.size()).sum();
    recorder.input(new RunReport.InputFile(processed.uri().resolve(DailyLocation.PREFIX).toString(), bytes, null));
    ShufflePartitions.fit(spark, bytes, DailyLocation.BYTES_PER_SHUFFLE_PARTITION, "train");
    Dataset<Row> daily = spark.read().parquet(processed.uri().sparkPath(DailyLocation.PREFIX));
    return Features.asOf(daily).persist(StorageLevel.MEMORY_AND_DISK());
  }

  /** Saves the fitted pipeline and the model's tables (one Parquet file each) under the claimed version. */
  private void save(TrainedModel trained, ModelRegistry.Claim claim) {
    String path = registry.sparkPath(claim.modelKey());
    try {
      trained.model().write().save(path);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot save model " + trained.name() + " v" + claim.version() + " to "
          + path + ": " + e.getMessage(), e);
    }
    trained.tables().forEach((folder, table) -> table.coalesce(1).write().mode(SaveMode.ErrorIfExists)
        .parquet(registry.sparkPath(ModelRegistry.versionKey(claim.name(), claim.version()) + folder)));
  }

  /**
   * Claims the next version, saves the fitted pipeline under it and writes its metadata last: a
   * version is visible only once complete. A failure in between abandons the claim.
   */
  private ModelMetadata register(TrainedModel trained) {
    ModelRegistry.Claim claim = registry.claim(trained.name(), runId);
    try {
      save(trained, claim);
      String now = clock.instant().toString();
      String status;
      String by;
      String reason;
      if (!trained.gate().passed()) {
        status = ModelMetadata.REJECTED;
        by = "gate";
        reason = "missed its quality gate: " + trained.gate().message();
      } else if (settings.models().autoApprove()) {
        status = ModelMetadata.APPROVED;
        by = "policy:auto";
        reason = "passed its quality gate (" + trained.gate().message() + "); approved by pipeline.models.approval = auto";
      } else {
        status = ModelMetadata.PENDING;
        by = null;
        reason = "passed its quality gate (" + trained.gate().message() + "); waiting for models approve "
            + trained.name() + " " + claim.version();
      }
      ModelMetadata metadata = new ModelMetadata(trained.name(), claim.version(), now, runId, trained.algorithm(),
          trained.parameters(), trained.features(), trained.label(), trained.training(), trained.evaluation(),
          trained.rowsExcluded(), trained.metrics(), trained.metricsUnavailable(), trained.backtest(), trained.gate(),
          ModelMetadata.PENDING, null, null, null, null, null);
      if (!status.equals(ModelMetadata.PENDING)) {
        metadata = metadata.withStatus(status, by, now, reason);
      } else {
        metadata = metadata.withStatus(status, null, null, reason);
      }
      return registry.register(claim, metadata);
    } catch (RuntimeException | Error e) {
      registry.abandon(claim);
      throw e;
    }
  }
}
