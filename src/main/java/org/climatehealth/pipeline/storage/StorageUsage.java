package org.climatehealth.pipeline.storage;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Object count and total size of a prefix or store, with a breakdown by top-level prefix (the
 * first key segment below the prefix; {@code ""} for objects directly at that level).
 */
public record StorageUsage(long objects, long bytes, Map<String, Totals> byTopLevelPrefix) {

  /** Count and size of one group of objects. */
  public record Totals(long objects, long bytes) {}

  public StorageUsage {
    byTopLevelPrefix = Collections.unmodifiableMap(new TreeMap<>(byTopLevelPrefix));
  }

  /**
   * Sums a listing of the objects whose keys start with {@code prefix}. Groups are named by the
   * first key segment after the prefix's folder part ({@code "raw/"} for prefix {@code ""}).
   */
  public static StorageUsage of(String prefix, Iterable<ObjectInfo> objects) {
    String base = prefix.substring(0, prefix.lastIndexOf('/') + 1);
    long count = 0;
    long bytes = 0;
    Map<String, long[]> groups = new TreeMap<>();
    for (ObjectInfo info : objects) {
      count++;
      bytes += info.size();
      String relative = info.key().startsWith(base) ? info.key().substring(base.length()) : info.key();
      long[] group = groups.computeIfAbsent(Keys.topLevel(relative), k -> new long[2]);
      group[0]++;
      group[1] += info.size();
    }
    Map<String, Totals> totals = new TreeMap<>();
    groups.forEach((k, v) -> totals.put(k, new Totals(v[0], v[1])));
    return new StorageUsage(count, bytes, totals);
  }
}
