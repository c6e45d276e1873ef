package org.climatehealth.pipeline.monitor;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.climatehealth.pipeline.storage.ObjectInfo;

/**
 * What the data monitor saw in the raw store at one moment: {@code _manifests/raw/<run_id>.json}
 * in the processed store. It holds the whole snapshot (so that it can be the next baseline) and
 * what changed since its baseline. Timestamps are ISO-8601 UTC strings.
 *
 * @param runId the scan or run that took it
 * @param command {@code scan} or {@code run}
 * @param createdAt when it was taken
 * @param store the raw store's URI
 * @param prefix the key prefix listed ({@code raw/})
 * @param baseline the key of the manifest it was compared with, or null when there was none
 * @param objects every object under the prefix, sorted by key
 * @param added objects whose keys the baseline does not have
 * @param changed objects the baseline has with another size or ETag (as they are now)
 * @param removed objects of the baseline that are gone (as they were)
 * @param unchanged how many objects are the same as in the baseline
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RawManifest(
    @JsonProperty("run_id") String runId,
    String command,
    @JsonProperty("created_at") String createdAt,
    String store,
    String prefix,
    String baseline,
    List<Entry> objects,
    @JsonProperty("new") List<Entry> added,
    List<Entry> changed,
    List<Entry> removed,
    long unchanged) {

  /**
   * One raw object as listed: its key in the raw store, size, ETag (the content MD5 for
   * single-part S3 uploads; for local files a version tag of their size, modification time and
   * identity) and last-modified time.
   */
  public record Entry(String key, long size, String etag, @JsonProperty("last_modified") String lastModified) {

    public static Entry of(ObjectInfo info) {
      return new Entry(info.key(), info.size(), info.etag(), info.lastModified().toString());
    }

    /** Whether this is a different version of {@code other}'s object: another size or ETag. */
    boolean differsFrom(Entry other) {
      return size != other.size || !etag.equals(other.etag);
    }
  }

  /** True when an object is new, changed or removed since the baseline. */
  @JsonIgnore
  public boolean hasChanges() {
    return !added.isEmpty() || !changed.isEmpty() || !removed.isEmpty();
  }
}
