package org.climatehealth.pipeline.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.climatehealth.pipeline.monitor.RawManifest.Entry;

/**
 * What differs between a snapshot of the raw store and a baseline snapshot, by key.
 *
 * <p>An object is <b>new</b> when the baseline has no object with its key, <b>changed</b> when
 * the baseline has one with another size or another ETag, and <b>removed</b> when only the
 * baseline has its key. The last-modified time alone is not compared: an S3 object rewritten with
 * the same bytes in one piece (same size and ETag, its content MD5) is unchanged. A local file's
 * ETag is a version tag of its metadata, so a local file written again counts as changed even
 * with the same bytes, as does an object whose ETag form changed (an S3 multipart upload of the
 * same bytes): when in doubt, the data is looked at again.
 *
 * @param added new objects, sorted by key
 * @param changed changed objects as they are now, sorted by key
 * @param removed removed objects as the baseline had them, sorted by key
 * @param unchanged how many objects are in both, the same
 */
public record RawDiff(List<Entry> added, List<Entry> changed, List<Entry> removed, long unchanged) {

  /**
   * Compares {@code current} with {@code baseline}; a null baseline (the first scan) makes every
   * object new.
   */
  public static RawDiff of(List<Entry> current, List<Entry> baseline) {
    Map<String, Entry> before = byKey(baseline == null ? List.of() : baseline);
    Map<String, Entry> now = byKey(current);
    List<Entry> added = new ArrayList<>();
    List<Entry> changed = new ArrayList<>();
    long unchanged = 0;
    for (Entry entry : now.values()) {
      Entry old = before.get(entry.key());
      if (old == null) {
        added.add(entry);
      } else if (entry.differsFrom(old)) {
        changed.add(entry);
      } else {
        unchanged++;
      }
    }
    List<Entry> removed = before.values().stream().filter(e -> !now.containsKey(e.key())).toList();
    return new RawDiff(List.copyOf(added), List.copyOf(changed), removed, unchanged);
  }

  private static Map<String, Entry> byKey(List<Entry> entries) {
    return entries.stream()
        .collect(Collectors.toMap(Entry::key, Function.identity(), (a, b) -> b, TreeMap::new));
  }
}
