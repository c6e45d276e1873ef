package org.climatehealth.pipeline.publish;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.climatehealth.pipeline.storage.Keys;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a run's staged outputs into place, through the storage layer, the same way on local
 * disk and on S3 (where the magic committer cannot overwrite partitions dynamically).
 *
 * <p>A run writes each table with Spark to {@code _staging/<run_id>/<table>/} (committed by the
 * store's committer: the magic committer on S3). Only when every write of the run has succeeded
 * are the tables published: for each partition the run owns, the new files are moved in first and
 * the files that were there before are deleted after, so a partition is never removed before its
 * replacement is in place. Partitions the run does not own are never touched.
 */
public final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

  private final Storage store;
  private final String staging;

  /** A publisher of the outputs staged by run {@code runId} in {@code store}. */
  public Publisher(Storage store, String runId) {
    this.store = store;
    this.staging = "_staging/" + runId + "/";
  }

  /** Where a table's output is staged; write it there with Spark. */
  public String stagingKey(String table) {
    return staging + Keys.folder(table);
  }

  /** What publishing a table did. */
  public record Published(String table, List<String> partitions, long filesWritten, long filesReplaced) {}

  /**
   * Publishes a table partitioned by {@code column=value} folders. Every partition in the staged
   * output is replaced; a partition that exists but is not in the staged output is deleted when
   * {@code owned} accepts its value (the run covered it and found no rows), kept otherwise.
   */
  public Published publishPartitioned(String table, String column, Predicate<String> owned) {
    return publishPartitioned(table, column, column, owned);
  }

  /**
   * As {@link #publishPartitioned(String, String, Predicate)}, for a table staged with partition
   * folders {@code stagedColumn=value} that are published as {@code column=value}: a table that
   * keeps {@code column} in its files too is written partitioned by a copy of it.
   */
  public Published publishPartitioned(String table, String stagedColumn, String column, Predicate<String> owned) {
    String target = Keys.folder(table);
    Map<String, List<String>> staged = byPartition(store.list(stagingKey(table)), stagingKey(table), stagedColumn);
    Map<String, List<String>> existing = byPartition(store.list(target), target, column);
    TreeSet<String> replace = new TreeSet<>(staged.keySet());
    existing.keySet().stream().filter(owned).forEach(replace::add);
    long written = 0;
    long replaced = 0;
    for (String partition : replace) {
      String folder = target + column + "=" + partition + "/";
      for (String file : staged.getOrDefault(partition, List.of())) {
        store.move(stagingKey(table) + stagedColumn + "=" + partition + "/" + file, folder + file);
        written++;
      }
      for (String old : existing.getOrDefault(partition, List.of())) {
        if (!staged.getOrDefault(partition, List.of()).contains(old)) {
          store.delete(folder + old);
          replaced++;
        }
      }
    }
    LOG.info("published {}: {} partitions, {} files in, {} old files out", table, replace.size(), written, replaced);
    return new Published(table, List.copyOf(staged.keySet()), written, replaced);
  }

  /** Publishes an unpartitioned table: the staged files replace everything that was there. */
  public Published publishWhole(String table) {
    String target = Keys.folder(table);
    List<String> staged = dataFiles(store.list(stagingKey(table)), stagingKey(table));
    List<String> existing = dataFiles(store.list(target), target);
    for (String file : staged) {
      store.move(stagingKey(table) + file, target + file);
    }
    long replaced = 0;
    for (String old : existing) {
      if (!staged.contains(old)) {
        store.delete(target + old);
        replaced++;
      }
    }
    LOG.info("published {}: {} files in, {} old files out", table, staged.size(), replaced);
    return new Published(table, List.of(), staged.size(), replaced);
  }

  /** Removes whatever is left of this run's staging area. */
  public void cleanUp() {
    long left = store.deletePrefix(staging);
    if (left > 0) {
      LOG.debug("removed {} staged objects of {}", left, staging);
    }
  }

  /** Data files by partition value, relative to the partition folder; Spark's markers and checksums left out. */
  private static Map<String, List<String>> byPartition(List<ObjectInfo> objects, String base, String column) {
    Map<String, List<String>> result = new TreeMap<>();
    for (String relative : dataFiles(objects, base)) {
      int slash = relative.indexOf('/');
      if (slash > 0 && relative.startsWith(column + "=")) {
        result.computeIfAbsent(relative.substring(column.length() + 1, slash), k -> new ArrayList<>())
            .add(relative.substring(slash + 1));
      }
    }
    return result;
  }

  private static List<String> dataFiles(List<ObjectInfo> objects, String base) {
    List<String> files = new ArrayList<>();
    for (ObjectInfo object : objects) {
      String relative = object.key().substring(base.length());
      String name = relative.substring(relative.lastIndexOf('/') + 1);
      if (!name.startsWith("_") && !name.startsWith(".")) {
        files.add(relative);
      }
    }
    return files;
  }
}
