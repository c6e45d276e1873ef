package org.climatehealth.pipeline.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored object as listed: its key relative to the store, size in bytes, last modification
 * time and entity tag.
 *
 * <p>The entity tag is S3's ETag (quotes removed) for S3 objects and the hex MD5 of the content
 * for local files, so for objects written in one piece it is the content MD5 on both. Objects
 * uploaded in parts have an S3 multipart ETag ({@code <md5-of-md5s>-<parts>}); use
 * {@link Storage#checksum(String)} when the content MD5 is needed.
 */
public record ObjectInfo(String key, long size, Instant lastModified, String etag) {
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lastModified, "lastModified");
    Objects.requireNonNull(etag, "etag");
  }

  /** True when the entity tag is the plain MD5 of the content (not a multipart ETag). */
  public boolean etagIsContentMd5() {
    return Checksums.isMd5Hex(etag);
  }
}
