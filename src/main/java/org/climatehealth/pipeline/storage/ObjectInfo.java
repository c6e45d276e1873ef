package org.climatehealth.pipeline.storage;

import java.time.Instant;
import java.util.Objects;

/**
 * One stored object as listed: its key relative to the store, size in bytes, last modification
 * time and entity tag.
 *
 * <p>The entity tag tells versions of an object apart: it changes whenever the content does. For
 * S3 objects it is S3's ETag (quotes removed): the content MD5 for objects written in one piece,
 * {@code <md5-of-md5s>-<parts>} for multipart uploads. For local files it is a version tag from
 * the file's metadata ({@link Checksums#versionTag}: size, modification time, identity), which
 * costs no read of the content and changes too when the same bytes are written again. Use
 * {@link Storage#checksum(String)} when the content MD5 is needed, and {@link #etagIsContentMd5()}
 * to know whether the tag already is it.
 */
public record ObjectInfo(String key, long size, Instant lastModified, String etag) {
  public ObjectInfo {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(lastModified, "lastModified");
    Objects.requireNonNull(etag, "etag");
  }

  /**
   * True when the entity tag is the plain MD5 of the content: an S3 object written in one piece;
   * not a multipart ETag, nor a local file's version tag.
   */
  public boolean etagIsContentMd5() {
    return Checksums.isMd5Hex(etag);
  }
}
