package org.climatehealth.pipeline.publish;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
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
 * store's committer: the magic committer on S3). Once every write of the run has succeeded, the
 * run plans what goes where ({@link #publishPartitioned}, {@link #publishWhole}) and then
 * {@link #commit()}s the plan:
 * <ol>
 *   <li>the plan is written as one object, the journal {@code _publish/<run_id>.json};
 *   <li>the staged files are moved into place. A partition's files get fixed names
 *       ({@code part-00000<suffix>}, ...), so a partition written as one file, as every table of
 *       this project is, is replaced by a single object overwrite: a reader sees either the old
 *       partition or the new one, never a mix and never nothing;
 *   <li>files of the old partitions that the new ones did not overwrite are deleted;
 *   <li>each table's committer marker ({@code _SUCCESS}: the S3A committers' JSON summary on S3) is
 *       moved next to it, last;
 *   <li>the journal is deleted, then the staging area.
 * </ol>
 * A partition is never removed before its replacement is in place, and partitions the run does not
 * own are never touched.
 *
 * <p>A run that dies or fails after writing its journal leaves the journal and its staged files;
 * the next writing run (which holds the processed store's lease, so nothing else writes) calls
 * {@link #recover(Storage)} first, which finishes that publish (every step is idempotent) and
 * removes staging areas that never reached a journal, pending multipart uploads included. Readers
 * can tell an unfinished publish by an object under {@code _publish/}.
 */
public final class Publisher {
  private static final Logger LOG = LoggerFactory.getLogger(Publisher.class);

  /** Where the journals of publishes under way are kept. */
  public static final String JOURNALS = "_publish/";
  /** Where runs stage their outputs, one folder per run id. */
  public static final String STAGING = "_staging/";
  /** The committer's marker in a staged table folder. */
  static final String MARKER = "_SUCCESS";

  private final Storage store;
  private final String runId;
  private final String staging;
  private final List<Move> moves = new ArrayList<>();
  private final List<String> deletes = new ArrayList<>();
  private final List<Move> markers = new ArrayList<>();
  private boolean journalAttempted;
  private boolean journalWritten;
  private boolean committed;

  /** A publisher of the outputs staged by run {@code runId} in {@code store}. */
  public Publisher(Storage store, String runId) {
    this.store = store;
    this.runId = runId;
    this.staging = STAGING + runId + "/";
  }

  /** Where a table's output is staged; write it there with Spark. */
  public String stagingKey(String table) {
    return staging + Keys.folder(table);
  }

  /** What publishing a table does: the partitions it writes, files in, old files out. */
  public record Published(String table, List<String> partitions, long filesWritten, long filesReplaced) {}

  /** One file going from one key to another. */
  public record Move(@JsonProperty("from") String from, @JsonProperty("to") String to) {}

  /** The journal of a publish: everything it does, in order. */
  public record Journal(@JsonProperty("run_id") String runId, @JsonProperty("created_at") String createdAt,
      @JsonProperty("moves") List<Move> moves, @JsonProperty("deletes") List<String> deletes,
      @JsonProperty("markers") List<Move> markers) {}

  /**
   * Plans a table partitioned by {@code column=value} folders. Every partition in the staged
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
    ensurePlanning();
    String target = Keys.folder(table);
    String source = stagingKey(table);
    List<ObjectInfo> stagedObjects = store.list(source);
    Map<String, List<String>> staged = byPartition(stagedObjects, source, stagedColumn);
    Map<String, List<String>> existing = byPartition(store.list(target), target, column);
    TreeSet<String> replace = new TreeSet<>(staged.keySet());
    existing.keySet().stream().filter(owned).forEach(replace::add);
    long written = 0;
    long replaced = 0;
    for (String partition : replace) {
      String folder = target + column + "=" + partition + "/";
      List<String> names = plan(source + stagedColumn + "=" + partition + "/", folder,
          staged.getOrDefault(partition, List.of()));
      written += names.size();
      for (String old : existing.getOrDefault(partition, List.of())) {
        if (!names.contains(old)) {
          deletes.add(folder + old);
          replaced++;
        }
      }
    }
    planMarker(stagedObjects, source, target);
    LOG.info("publish {}: {} partitions, {} files in, {} old files out", table, replace.size(), written, replaced);
    return new Published(table, List.copyOf(staged.keySet()), written, replaced);
  }

  /** Plans an unpartitioned table: the staged files replace everything that was there. */
  public Published publishWhole(String table) {
    ensurePlanning();
    String target = Keys.folder(table);
    String source = stagingKey(table);
    List<ObjectInfo> stagedObjects = store.list(source);
    List<String> names = plan(source, target, dataFiles(stagedObjects, source));
    long replaced = 0;
    for (String old : dataFiles(store.list(target), target)) {
      if (!names.contains(old)) {
        deletes.add(target + old);
        replaced++;
      }
    }
    planMarker(stagedObjects, source, target);
    LOG.info("publish {}: {} files in, {} old files out", table, names.size(), replaced);
    return new Published(table, List.of(), names.size(), replaced);
  }

  /**
   * Carries out the plan: journal first, then moves, deletes and markers, then the journal and
   * the staging area go. If this fails or the process dies part-way, the journal and the staged
   * files stay for {@link #recover(Storage)}.
   */
  public void commit() {
    ensurePlanning();
    Journal journal = new Journal(runId, Instant.now().toString(), List.copyOf(moves), List.copyOf(deletes),
        List.copyOf(markers));
    // from here on the journal may exist even if writing it seems to fail (an answer lost on the way)
    journalAttempted = true;
    FaultInjection.reached("publish.write-journal");
    store.writeJson(journalKey(runId), journal);
    journalWritten = true;
    FaultInjection.reached("publish.journal");
    apply(store, journal);
    committed = true;
    long staged = store.deletePrefix(staging);
    LOG.info("run {} published: {} files in, {} old files out ({} staged objects cleaned up)", runId,
        journal.moves().size(), journal.deletes().size(), staged);
  }

  /**
   * Removes this run's staging area, unless a publish was started and did not finish: then the
   * journal and the staged files stay for the next run's {@link #recover(Storage)}.
   */
  public void cleanUp() {
    if (journalAttempted && !committed && journalMayExist()) {
      LOG.warn("the publish of run {} did not finish: the next run completes it from {}", runId,
          store.uri().resolve(journalKey(runId)));
      return;
    }
    try {
      long left = store.deletePrefix(staging);
      if (left > 0) {
        LOG.debug("removed {} staged objects of {}", left, staging);
      }
    } catch (RuntimeException e) {
      // the run's own outcome (and error) stands; the next run's recovery removes what is left
      LOG.warn("cannot remove the staged objects of run {} (the next run does): {}", runId, e.getMessage());
    }
  }

  /** Whether the journal is there, or cannot be ruled out: written, or its write failed in a way that hides it. */
  private boolean journalMayExist() {
    if (journalWritten) {
      return true;
    }
    try {
      return store.exists(journalKey(runId));
    } catch (RuntimeException e) {
      return true;
    }
  }

  /** What {@link #recover(Storage)} found and did. */
  public record Recovery(List<String> publishesCompleted, long stagedObjectsRemoved) {
    public boolean isEmpty() {
      return publishesCompleted.isEmpty() && stagedObjectsRemoved == 0;
    }
  }

  /**
   * Brings the store back to a complete state after runs that died or failed: finishes every
   * publish that has a journal, then removes what is left of every staging area (objects and, on
   * S3, pending multipart uploads). Call it only while holding the store's lease.
   */
  public static Recovery recover(Storage store) {
    List<String> completed = new ArrayList<>();
    for (ObjectInfo object : store.list(JOURNALS)) {
      if (!object.key().endsWith(".json")) {
        continue;
      }
      Journal journal = store.readJson(object.key(), Journal.class);
      LOG.warn("run {} died while publishing: completing its publish ({} moves, {} deletes)", journal.runId(),
          journal.moves().size(), journal.deletes().size());
      apply(store, journal);
      completed.add(journal.runId());
    }
    // what is left: the staged files of completed publishes, the staging areas of runs that died
    // before their journal, and on S3 their pending multipart uploads
    long removed = store.deletePrefix(STAGING);
    if (removed > 0) {
      LOG.warn("removed {} staged objects that runs left behind", removed);
    }
    return new Recovery(List.copyOf(completed), removed);
  }

  /** Carries out a journal; every step may already have been done by an earlier attempt. */
  private static void apply(Storage store, Journal journal) {
    int step = 0;
    for (Move move : journal.moves()) {
      FaultInjection.reached("publish.move." + ++step);
      moveIfThere(store, move);
    }
    for (String old : journal.deletes()) {
      FaultInjection.reached("publish.delete." + ++step);
      store.delete(old);
    }
    for (Move marker : journal.markers()) {
      FaultInjection.reached("publish.marker." + ++step);
      moveIfThere(store, marker);
    }
    store.delete(journalKey(journal.runId()));
  }

  private static void moveIfThere(Storage store, Move move) {
    if (store.exists(move.from())) {
      store.move(move.from(), move.to());
    } else if (!store.exists(move.to())) {
      throw new IllegalStateException("cannot publish " + store.uri().resolve(move.to()) + ": its staged file "
          + store.uri().resolve(move.from()) + " is gone");
    }
  }

  private static String journalKey(String runId) {
    return JOURNALS + runId + ".json";
  }

  /** Plans moves of the staged files into {@code folder}, named by their order; returns the new names. */
  private List<String> plan(String sourceFolder, String folder, List<String> stagedFiles) {
    List<String> names = new ArrayList<>();
    List<String> sorted = new ArrayList<>(stagedFiles);
    sorted.sort(null);
    for (String file : sorted) {
      String name = publishedName(names.size(), file);
      moves.add(new Move(sourceFolder + file, folder + name));
      names.add(name);
    }
    return names;
  }

  private void planMarker(List<ObjectInfo> stagedObjects, String source, String target) {
    if (stagedObjects.stream().anyMatch(o -> o.key().equals(source + MARKER))) {
      markers.add(new Move(source + MARKER, target + MARKER));
    }
  }

  /**
   * {@code part-<index><suffix>}: the staged name's suffix (from its first dot, e.g.
   * {@code .c000.snappy.parquet}) without the writing job's id, so the next run's file overwrites it.
   */
  static String publishedName(int index, String stagedName) {
    int dot = stagedName.indexOf('.');
    return String.format("part-%05d%s", index, dot >= 0 ? stagedName.substring(dot) : "");
  }

  private void ensurePlanning() {
    if (journalAttempted) {
      throw new IllegalStateException("run " + runId + " has already committed its publish");
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
      if (!name.startsWith("_") && !name.startsWith(".") && !relative.startsWith("_")) {
        files.add(relative);
      }
    }
    return files;
  }
}
