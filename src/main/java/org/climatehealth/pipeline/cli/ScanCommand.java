package org.climatehealth.pipeline.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.monitor.RawManifest;
import org.climatehealth.pipeline.monitor.RawManifests;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code scan}: the data monitor. */
@Command(name = "scan", mixinStandardHelpOptions = true,
    description = {"Data monitor: which raw objects are new, changed or removed since the last",
        "manifest. Lists raw/ in the raw store (key, size, ETag, last-modified),",
        "compares it with the newest manifest in the processed store (_manifests/raw/,",
        "written by scan and by run) and writes _manifests/raw/<run_id>.json: the whole",
        "listing plus the new, changed and removed objects. Changed: the same key with",
        "another size or ETag; a newer last-modified time alone is no change. With no",
        "earlier manifest every object is new. Exit 0 whether or not anything changed,",
        "unless --fail-if-unchanged."})
public final class ScanCommand extends PipelineCommand {

  /** At most this many objects are listed on stdout; the manifest has them all. */
  static final int LISTED = 50;

  @Option(names = "--fail-if-unchanged",
      description = "Exit 1 (after writing the manifest and the report) when nothing is new, changed or removed:"
          + " a signal for schedulers.")
  boolean failIfUnchanged;

  private RawManifest manifest;

  @Override
  public Integer call() {
    Settings settings = settings();
    try (StorageFactory stores = new StorageFactory(settings.s3())) {
      Storage raw = stores.open(settings.stores().raw());
      Storage processed = stores.open(settings.stores().processed());
      RunRecorder recorder = recorder("scan");
      withReport(processed, recorder, () -> {
        RawManifests manifests = new RawManifests(processed, Clock.systemUTC());
        List<ObjectInfo> listing = RawManifests.listRaw(raw);
        manifest = manifests.record(raw, listing, common.runId(), "scan", manifests.newest());
        for (ObjectInfo object : listing) {
          recorder.input(new RunReport.InputFile(raw.uri().resolve(object.key()).toString(), object.size(),
              object.etag()));
        }
        record(recorder, manifest, processed);
        summarise(out(), "scan", manifest, raw, processed);
        return ExitCodes.SUCCESS;
      });
      if (failIfUnchanged && !manifest.hasChanges()) {
        err().println("unchanged: no raw object is new, changed or removed since "
            + (manifest.baseline() == null ? "the start (no objects under raw/, no earlier manifest)" : manifest.baseline())
            + "; exit 1 for --fail-if-unchanged");
        return ExitCodes.FAILED;
      }
      return ExitCodes.SUCCESS;
    }
  }

  /** The manifest's location and counts in a run report ({@code scan}'s or {@code run}'s). */
  static void record(RunRecorder recorder, RawManifest manifest, Storage processed) {
    recorder.output(new RunReport.Output(processed.uri().resolve(RawManifests.key(manifest.runId())).toString(), 1L,
        null, null, null));
    recorder.detail("manifest", processed.uri().resolve(RawManifests.key(manifest.runId())).toString())
        .detail("baseline", manifest.baseline())
        .detail("raw_objects", manifest.objects().size())
        .detail("new", manifest.added().size())
        .detail("changed", manifest.changed().size())
        .detail("removed", manifest.removed().size())
        .detail("unchanged", manifest.unchanged());
  }

  /**
   * What a manifest says, for people: one line of counts, one line per new, changed and removed
   * object (at most {@link #LISTED}), and where the manifest is.
   */
  static void summarise(PrintWriter out, String label, RawManifest manifest, Storage raw, Storage processed) {
    long bytes = manifest.objects().stream().mapToLong(RawManifest.Entry::size).sum();
    out.printf(Locale.ROOT, "%s: %,d object%s (%s) under %s compared with %s: %d new, %d changed, %d removed,"
            + " %d unchanged%n", label, manifest.objects().size(), manifest.objects().size() == 1 ? "" : "s",
        Bytes.human(bytes), raw.uri().resolve(manifest.prefix()),
        manifest.baseline() == null ? "no earlier manifest (so every object is new)" : manifest.baseline(),
        manifest.added().size(), manifest.changed().size(), manifest.removed().size(), manifest.unchanged());
    int listed = 0;
    int total = manifest.added().size() + manifest.changed().size() + manifest.removed().size();
    for (Map.Entry<String, List<RawManifest.Entry>> kind : List.of(Map.entry("new", manifest.added()),
        Map.entry("changed", manifest.changed()), Map.entry("removed", manifest.removed()))) {
      for (RawManifest.Entry entry : kind.getValue()) {
        if (listed == LISTED) {
          break;
        }
        out.printf(Locale.ROOT, "  %-8s %s (%s)%n", kind.getKey(), entry.key(), Bytes.human(entry.size()));
        listed++;
      }
    }
    if (listed < total) {
      out.printf(Locale.ROOT, "  ... and %d more (the manifest lists them all)%n", total - listed);
    }
    out.println("manifest: " + processed.uri().resolve(RawManifests.key(manifest.runId())));
  }

  /**
   * {@code scan} reads the raw store and writes only its manifest and report: it does not take the
   * processed store's lease.
   */
  @Override
  boolean leased() {
    return false;
  }
}
