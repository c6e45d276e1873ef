package org.climatehealth.pipeline.cli;

import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.List;
import java.util.Locale;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.migrate.Migration;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code migrate}: copy a local project tree into the stores, skipping what is already there. */
@Command(name = "migrate", mixinStandardHelpOptions = true,
    description = {"Copy a local project tree (data/raw, data/processed, models) into the stores.",
        "DIR/data/raw, DIR/data/processed and DIR/models go into the raw, processed and",
        "models stores (under raw/, processed/, models/). Objects already there with the same size",
        "and MD5 are skipped, so a second run copies nothing. Exit 1 if any file failed."})
public final class MigrateCommand extends PipelineCommand {

  @Option(names = "--source", paramLabel = "DIR", defaultValue = ".",
      description = "The project tree to copy from (default: the working directory).")
  Path source;

  @Option(names = "--dry-run", description = "List what would be copied and skipped; write nothing.")
  boolean dryRun;

  @Override
  public Integer call() {
    Settings settings = settings();
    try (StorageFactory stores = new StorageFactory(settings.s3())) {
      Storage processed = stores.open(settings.stores().processed());
      if (dryRun) {
        return migrate(settings, stores, processed, null);
      }
      RunRecorder recorder = recorder("migrate");
      return withReport(processed, recorder, () -> migrate(settings, stores, processed, recorder));
    }
  }

  private int migrate(Settings settings, StorageFactory stores, Storage processed, RunRecorder recorder) {
    Migration migration = Migration.of(source, stores.open(settings.stores().raw()), processed,
        stores.open(settings.stores().models()));
    List<Migration.Action> plan = migration.plan();
    if (dryRun) {
      for (Migration.Action action : plan) {
        out().printf(Locale.ROOT, "%s %s -> %s (%s)%n",
            action.kind() == Migration.Kind.COPY ? "would copy" : "would skip (identical)",
            action.source(), action.target(), Bytes.human(action.size()));
      }
    }
    Migration.Result result = migration.execute(plan, dryRun);
    for (String missing : result.missingSources()) {
      out().printf(Locale.ROOT, "note: %s not found under %s; nothing to copy from it%n", missing, source);
    }
    for (Migration.Failure failure : result.failures()) {
      out().printf(Locale.ROOT, "failed: %s -> %s: %s%n", failure.source(), failure.target(), failure.error());
    }
    out().printf(Locale.ROOT, "migrate%s: %s %d file%s (%s), skipped %d identical (%s), failed %d%n",
        dryRun ? " (dry run, nothing written)" : "", dryRun ? "would copy" : "copied",
        result.copied(), result.copied() == 1 ? "" : "s", Bytes.human(result.bytesCopied()),
        result.skipped(), Bytes.human(result.bytesSkipped()), result.failures().size());
    if (dryRun) {
      return ExitCodes.SUCCESS;
    }
    record(recorder, plan, result);
    if (!result.succeeded()) {
      throw new MigrationFailedException(result.failures().size() + " of " + (result.copied()
          + result.failures().size()) + " files failed to copy (listed above); rerun to retry them");
    }
    return ExitCodes.SUCCESS;
  }

  private static void record(RunRecorder recorder, List<Migration.Action> plan, Migration.Result result) {
    for (Migration.Action action : plan) {
      recorder.input(new RunReport.InputFile(action.source(), action.size(), null));
    }
    plan.stream().filter(a -> a.kind() == Migration.Kind.COPY)
        .collect(Collectors.groupingBy(a -> a.mapping().target().uri().resolve(a.mapping().prefix()).toString(),
            java.util.TreeMap::new, Collectors.toList()))
        .forEach((target, copies) -> recorder.output(new RunReport.Output(target, (long) copies.size(),
            copies.stream().mapToLong(Migration.Action::size).sum(), null, null)));
    recorder.detail("copied", result.copied()).detail("bytes_copied", result.bytesCopied())
        .detail("skipped_identical", result.skipped()).detail("bytes_skipped", result.bytesSkipped())
        .detail("failed", result.failures().size()).detail("missing_sources", result.missingSources());
  }


  /** Some files failed to copy: a run-time failure (exit 1). */
  static final class MigrationFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MigrationFailedException(String message) {
      super(message);
    }
  }
}
