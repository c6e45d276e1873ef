package org.climatehealth.pipeline.migrate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.climatehealth.pipeline.storage.Checksums;
import org.climatehealth.pipeline.storage.Keys;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies a local project tree into the stores (the seed's {@code migrate_data_to_s3.py}):
 * {@code DIR/data/raw} to the raw store under {@code raw/}, {@code DIR/data/processed} to the
 * processed store under {@code processed/}, {@code DIR/models} to the models store under
 * {@code models/}. An object that is already there with the same size and MD5 is skipped, so a
 * second run copies nothing. One file that fails does not stop the others; the result counts it.
 */
public final class Migration {
  private static final Logger LOG = LoggerFactory.getLogger(Migration.class);
  private static final long PROGRESS_INTERVAL_NANOS = 2_000_000_000L;

  /** One source folder and where it goes. */
  public record Mapping(String source, Path directory, Storage target, String prefix) {}

  /** What happens to one file. */
  public enum Kind {
    COPY,
    SKIP_IDENTICAL
  }

  /** One planned copy or skip. */
  public record Action(Mapping mapping, Path file, String key, long size, Kind kind) {
    public String source() {
      return mapping.source() + "/" + mapping.directory().relativize(file).toString().replace('\\', '/');
    }

    public String target() {
      return mapping.target().uri().resolve(key).toString();
    }
  }

  /** A file that could not be copied, and why. */
  public record Failure(String source, String target, String error) {}

  /** What a run did (or, for a dry run, would do). */
  public record Result(boolean dryRun, int copied, long bytesCopied, int skipped, long bytesSkipped,
      List<Failure> failures, List<String> missingSources) {
    public boolean succeeded() {
      return failures.isEmpty();
    }
  }

  private final List<Mapping> mappings;
  private final List<String> missingSources;

  private Migration(List<Mapping> mappings, List<String> missingSources) {
    this.mappings = mappings;
    this.missingSources = missingSources;
  }

  /**
   * The migration of project tree {@code root} into the three stores. Source folders that do not
   * exist are noted and skipped; when none exists the request is a usage error.
   */
  public static Migration of(Path root, Storage raw, Storage processed, Storage models) {
    if (!Files.isDirectory(root)) {
      throw new MigrationSourceException("migrate source " + root + " is not a directory");
    }
    List<Mapping> all = List.of(
        new Mapping("data/raw", root.resolve("data/raw"), raw, "raw/"),
        new Mapping("data/processed", root.resolve("data/processed"), processed, "processed/"),
        new Mapping("models", root.resolve("models"), models, "models/"));
    List<Mapping> present = all.stream().filter(m -> Files.isDirectory(m.directory())).toList();
    List<String> missing = all.stream().filter(m -> !Files.isDirectory(m.directory())).map(Mapping::source).toList();
    if (present.isEmpty()) {
      throw new MigrationSourceException("nothing to migrate: " + root.toAbsolutePath().normalize()
          + " has none of data/raw, data/processed, models");
    }
    return new Migration(present, missing);
  }

  /** Decides, file by file, what to copy and what is already there. Reads but never writes. */
  public List<Action> plan() {
    List<Action> actions = new ArrayList<>();
    for (Mapping mapping : mappings) {
      Map<String, ObjectInfo> existing = mapping.target().list(mapping.prefix()).stream()
          .collect(Collectors.toMap(ObjectInfo::key, Function.identity()));
      for (Path file : files(mapping.directory())) {
        String relative = mapping.directory().relativize(file).toString().replace('\\', '/');
        String key = Keys.key(Keys.join(mapping.prefix(), relative));
        long size = size(file);
        ObjectInfo there = existing.get(key);
        boolean identical = there != null && there.size() == size && contentMd5(mapping.target(), there)
            .equals(Checksums.md5(file));
        actions.add(new Action(mapping, file, key, size, identical ? Kind.SKIP_IDENTICAL : Kind.COPY));
      }
    }
    return actions;
  }

  /** Carries out a plan (unless {@code dryRun}), logging progress, and tells what happened. */
  public Result execute(List<Action> plan, boolean dryRun) {
    List<Action> copies = plan.stream().filter(a -> a.kind() == Kind.COPY).toList();
    long totalBytes = copies.stream().mapToLong(Action::size).sum();
    int copied = 0;
    long bytesCopied = 0;
    List<Failure> failures = new ArrayList<>();
    long start = System.nanoTime();
    long lastReport = start;
    if (!dryRun) {
      LOG.info("migrate: copying {} files ({} bytes)", copies.size(), totalBytes);
      for (Action action : copies) {
        try {
          action.mapping().target().uploadFile(action.file(), action.key());
          copied++;
          bytesCopied += action.size();
        } catch (StorageException | UncheckedIOException e) {
          LOG.error("migrate: failed to copy {} to {}: {}", action.source(), action.target(), e.getMessage());
          failures.add(new Failure(action.source(), action.target(), e.getMessage()));
        }
        long now = System.nanoTime();
        if (now - lastReport >= PROGRESS_INTERVAL_NANOS) {
          lastReport = now;
          double seconds = (now - start) / 1e9;
          LOG.info("migrate: {}/{} files, {}/{} bytes ({}%), {} MiB/s, {} s elapsed", copied + failures.size(),
              copies.size(), bytesCopied, totalBytes, totalBytes == 0 ? 100 : bytesCopied * 100 / totalBytes,
              String.format(java.util.Locale.ROOT, "%.1f", bytesCopied / 1048576.0 / seconds),
              String.format(java.util.Locale.ROOT, "%.1f", seconds));
        }
      }
    }
    List<Action> skips = plan.stream().filter(a -> a.kind() == Kind.SKIP_IDENTICAL).toList();
    return new Result(dryRun, dryRun ? copies.size() : copied, dryRun ? totalBytes : bytesCopied,
        skips.size(), skips.stream().mapToLong(Action::size).sum(), List.copyOf(failures), missingSources);
  }

  private static String contentMd5(Storage storage, ObjectInfo info) {
    return info.etagIsContentMd5() ? info.etag() : storage.checksum(info.key());
  }

  private static List<Path> files(Path directory) {
    try (Stream<Path> walk = Files.walk(directory)) {
      return walk.filter(Files::isRegularFile).sorted(Comparator.naturalOrder()).toList();
    } catch (IOException | UncheckedIOException e) {
      throw new StorageException("cannot read migrate source " + directory + ": " + e.getMessage(), e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
