package org.climatehealth.pipeline.cli;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.climatehealth.pipeline.registry.ModelMetadata;
import org.climatehealth.pipeline.registry.ModelRegistry;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code models list | show | approve | reject}: the model registry in the models store. */
@Command(name = "models",
    description = "List, show, approve and reject registered model versions.",
    mixinStandardHelpOptions = true,
    subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Show.class, ModelsCommand.Approve.class,
        ModelsCommand.Reject.class},
    footer = {"", "Versions live in the models store (pipeline.stores.models) under models/NAME/vNNNN/.",
        "VERSION is written 3, v3 or v0003."})
public final class ModelsCommand implements Runnable {

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(),
        "missing models command: one of " + String.join(", ", spec.subcommands().keySet()));
  }

  /** Base of the models subcommands: opens the registry over the models store (no Spark). */
  abstract static class RegistrySubcommand extends PipelineCommand {

    abstract int run(ModelRegistry registry);

    @Override
    public Integer call() {
      try (StorageFactory stores = new StorageFactory(settings().s3())) {
        return run(new ModelRegistry(stores.open(settings().stores().models()), Clock.systemUTC()));
      }
    }

    static String label(ModelMetadata metadata) {
      return metadata.name() + " " + ModelMetadata.versionFolder(metadata.version());
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = {"List registered model versions: name, version, status, when created, the quality gate's",
          "outcome and the evaluation metrics. Versions still being trained are not listed."})
  static final class ListVersions extends RegistrySubcommand {
    @Option(names = "--name", paramLabel = "NAME", description = "Only this model's versions.")
    String name;

    @Override
    int run(ModelRegistry registry) {
      List<ModelMetadata> versions = name == null ? registry.all() : registry.versions(name);
      if (versions.isEmpty()) {
        out().println(name == null
            ? "no models registered in " + registry.store()
            : "no versions of model '" + name + "' registered in " + registry.store());
        return ExitCodes.SUCCESS;
      }
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"NAME", "VERSION", "STATUS", "CREATED_AT", "GATE", "METRICS"});
      for (ModelMetadata m : versions) {
        rows.add(new String[] {m.name(), ModelMetadata.versionFolder(m.version()), String.valueOf(m.status()),
            seconds(m.createdAt()), m.gate() == null ? "-" : m.gate().passed() ? "passed" : "failed", metrics(m.metrics())});
      }
      int[] widths = new int[rows.get(0).length - 1];
      for (String[] row : rows) {
        for (int i = 0; i < widths.length; i++) {
          widths[i] = Math.max(widths[i], row[i].length());
        }
      }
      for (String[] row : rows) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < widths.length; i++) {
          line.append(String.format(Locale.ROOT, "%-" + widths[i] + "s  ", row[i]));
        }
        out().println(line.append(row[widths.length]).toString().stripTrailing());
      }
      return ExitCodes.SUCCESS;
    }

    /** A timestamp to the second, as users read it. */
    private static String seconds(String timestamp) {
      if (timestamp == null) {
        return "-";
      }
      try {
        return Instant.parse(timestamp).truncatedTo(ChronoUnit.SECONDS).toString();
      } catch (DateTimeParseException e) {
        return timestamp;
      }
    }

    /** {@code roc_auc=0.8123 mae=12.35}: each to 4 significant digits. */
    private static String metrics(Map<String, Double> metrics) {
      if (metrics == null || metrics.isEmpty()) {
        return "-";
      }
      return metrics.entrySet().stream()
          .map(e -> e.getKey() + "=" + number(e.getValue()))
          .collect(Collectors.joining(" "));
    }

    private static String number(Double value) {
      if (value == null || value.isNaN() || value.isInfinite()) {
        return "n/a";
      }
      return new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros().toPlainString();
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Print a version's metadata (JSON); the latest version when VERSION is left out.")
  static final class Show extends RegistrySubcommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The model, e.g. risk.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "VERSION", description = "The version (default: the latest).")
    String version;

    @Override
    int run(ModelRegistry registry) {
      ModelMetadata metadata = version == null
          ? registry.requireLatest(name)
          : registry.require(name, ModelRegistry.parseVersion(version));
      out().println(Storage.Json.write(metadata));
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "approve", mixinStandardHelpOptions = true,
      description = {"Approve a version, so that predict uses it (the highest approved version is used).",
          "A version that missed its quality gate cannot be approved."})
  static final class Approve extends RegistrySubcommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The model, e.g. risk.")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The version.")
    String version;

    @Option(names = "--by", paramLabel = "WHO", defaultValue = "${sys:user.name}",
        description = "Who approves it (default: the user name, ${DEFAULT-VALUE}).")
    String by;

    @Override
    int run(ModelRegistry registry) {
      int number = ModelRegistry.parseVersion(version);
      ModelMetadata before = registry.require(name, number);
      ModelMetadata after = registry.approve(name, number, by);
      if (Objects.equals(before.status(), after.status())) {
        out().println(label(after) + " is already approved (by " + after.approvedBy() + " at " + after.approvedAt()
            + "): nothing changed");
      } else {
        out().println("approved " + label(after) + " (was " + before.status() + ") by " + by);
      }
      return ExitCodes.SUCCESS;
    }
  }

  @Command(name = "reject", mixinStandardHelpOptions = true,
      description = {"Reject a version, so that predict no longer uses it."})
  static final class Reject extends RegistrySubcommand {
    @Parameters(index = "0", paramLabel = "NAME", description = "The model, e.g. risk.")
    String name;

    @Parameters(index = "1", paramLabel = "VERSION", description = "The version.")
    String version;

    @Option(names = "--by", paramLabel = "WHO", defaultValue = "${sys:user.name}",
        description = "Who rejects it (default: the user name, ${DEFAULT-VALUE}).")
    String by;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, in a sentence (kept as status_reason).")
    String reason;

    @Override
    int run(ModelRegistry registry) {
      int number = ModelRegistry.parseVersion(version);
      ModelMetadata before = registry.require(name, number);
      ModelMetadata after = registry.reject(name, number, by, reason);
      if (Objects.equals(before.status(), after.status())) {
        out().println(label(after) + " is already rejected (by " + after.rejectedBy() + " at " + after.rejectedAt()
            + ": " + after.statusReason() + "): nothing changed");
      } else {
        out().println("rejected " + label(after) + " (was " + before.status() + ") by " + by
            + (reason == null || reason.isBlank() ? "" : ": " + after.statusReason()));
      }
      return ExitCodes.SUCCESS;
    }
  }
}
