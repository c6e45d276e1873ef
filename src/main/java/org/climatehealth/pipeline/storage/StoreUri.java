package org.climatehealth.pipeline.storage;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;
import org.climatehealth.pipeline.config.Redaction;

/**
 * Where a store lives: a local directory ({@code file:PATH}) or an S3 bucket with an optional
 * prefix ({@code s3://BUCKET[/PREFIX]}; {@code s3a://} is accepted as the same thing).
 *
 * <p>{@code s3://} is the user's spelling. This class maps it to {@code s3a://} for Spark and
 * Hadoop ({@link #sparkPath}) and to bucket and key for the AWS SDK. A relative {@code file:}
 * path is resolved against the working directory once, when parsed.
 */
public final class StoreUri {

  /** The storage systems a store URI can name. */
  public enum Scheme {
    FILE,
    S3
  }

  // S3 bucket naming rules (the DNS-compatible subset every S3 API accepts).
  private static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
  private static final String EXPECTED = "expected file:PATH or s3://BUCKET[/PREFIX]";

  private final Scheme scheme;
  private final String bucket; // S3 only
  private final String path; // FILE: absolute normalised path; S3: key prefix without slashes

  private StoreUri(Scheme scheme, String bucket, String path) {
    this.scheme = scheme;
    this.bucket = bucket;
    this.path = path;
  }

  /** A store rooted at a local directory. */
  public static StoreUri local(Path directory) {
    return new StoreUri(Scheme.FILE, null, directory.toAbsolutePath().normalize().toString());
  }

  /** A store rooted at a bucket and a key prefix ("" for the bucket root). */
  public static StoreUri s3(String bucket, String prefix) {
    if (!BUCKET.matcher(bucket).matches() || bucket.contains("..")) {
      throw new InvalidStoreUriException("malformed store URI 's3://" + bucket + "': '" + bucket
          + "' is not a valid bucket name (3-63 lower-case letters, digits, '.' or '-')");
    }
    String trimmed = trimSlashes(prefix);
    if (!trimmed.isEmpty()) {
      Keys.prefix(trimmed);
    }
    return new StoreUri(Scheme.S3, bucket, trimmed);
  }

  /** Parses a store URI; throws {@link InvalidStoreUriException} (a usage error) when malformed. */
  public static StoreUri parse(String text) {
    if (text == null || text.isBlank()) {
      throw new InvalidStoreUriException("empty store URI: " + EXPECTED);
    }
    String value = text.trim();
    String lower = value.toLowerCase(java.util.Locale.ROOT);
    if (lower.startsWith("s3://") || lower.startsWith("s3a://")) {
      String rest = value.substring(value.indexOf("://") + 3);
      requireNoCredentials(value);
      int slash = rest.indexOf('/');
      String bucket = slash < 0 ? rest : rest.substring(0, slash);
      String prefix = slash < 0 ? "" : rest.substring(slash + 1);
      if (bucket.isEmpty()) {
        throw new InvalidStoreUriException("malformed store URI '" + value + "': no bucket; " + EXPECTED);
      }
      try {
        return s3(bucket, prefix);
      } catch (InvalidKeyException e) {
        throw new InvalidStoreUriException("malformed store URI '" + value + "': " + e.getMessage());
      }
    }
    if (lower.startsWith("file:")) {
      String path = localPath(value);
      try {
        return local(Path.of(path));
      } catch (java.nio.file.InvalidPathException e) {
        throw new InvalidStoreUriException("malformed store URI '" + value + "': " + e.getMessage());
      }
    }
    throw new InvalidStoreUriException("malformed store URI '" + value + "': " + EXPECTED);
  }

  /**
   * Refuses user-info ({@code s3://KEY:SECRET@bucket}) without echoing it: an {@code @} in the
   * authority, or a {@code :} anywhere before the last {@code @} (a secret key may hold a
   * {@code /}, which would otherwise end the authority early). For {@code s3://} locations too.
   */
  public static void requireNoCredentials(String value) {
    int scheme = value.indexOf("://");
    String rest = scheme < 0 ? value : value.substring(scheme + 3);
    int at = rest.lastIndexOf('@');
    if (at < 0) {
      return;
    }
    int slash = rest.indexOf('/');
    if ((slash < 0 || rest.indexOf('@') < slash) || rest.substring(0, at).indexOf(':') >= 0) {
      throw new InvalidStoreUriException("store URI '" + Redaction.userInfo(value) + "' carries credentials "
          + "(user-info before '@'): remove them; credentials come from the AWS default provider chain "
          + "(environment, profile, instance or Glue role), never from a store URI");
    }
  }

  /**
   * The path of a {@code file:} URI as written (relative or absolute, not resolved):
   * {@code file:data/x}, {@code file:/abs}, {@code file:///abs} or {@code file://localhost/abs}.
   * Any other host, or no path, is a malformed URI.
   */
  public static String localPath(String fileUri) {
    String value = fileUri.trim();
    if (!value.toLowerCase(java.util.Locale.ROOT).startsWith("file:")) {
      throw new InvalidStoreUriException("malformed store URI '" + value + "': " + EXPECTED);
    }
    String rest = value.substring("file:".length());
    if (rest.startsWith("//")) {
      // file://host/path: only an empty host or localhost name this machine
      String authority = rest.substring(2);
      int slash = authority.indexOf('/');
      String host = slash < 0 ? authority : authority.substring(0, slash);
      if (!host.isEmpty() && !host.equalsIgnoreCase("localhost")) {
        throw new InvalidStoreUriException("malformed store URI '" + value + "': host '" + host
            + "' is not this machine; " + EXPECTED);
      }
      rest = slash < 0 ? "/" : authority.substring(slash);
    }
    if (rest.isEmpty()) {
      throw new InvalidStoreUriException("malformed store URI '" + value + "': no path; " + EXPECTED);
    }
    return rest;
  }

  public Scheme scheme() {
    return scheme;
  }

  public boolean isLocal() {
    return scheme == Scheme.FILE;
  }

  public boolean isS3() {
    return scheme == Scheme.S3;
  }

  /** The bucket of an S3 store. */
  public String bucket() {
    requireS3();
    return bucket;
  }

  /** The key prefix of an S3 store inside its bucket, without slashes ("" for the whole bucket). */
  public String prefix() {
    requireS3();
    return path;
  }

  /** The directory of a local store. */
  public Path directory() {
    if (scheme != Scheme.FILE) {
      throw new IllegalStateException(this + " is not a local store");
    }
    return Path.of(path);
  }

  /** The S3 key of a store-relative key. */
  public String objectKey(String key) {
    requireS3();
    return Keys.join(path, key);
  }

  /** The URI of a key (or prefix) inside this store, in the user's spelling. */
  public StoreUri resolve(String key) {
    Keys.prefix(key);
    if (key.isEmpty()) {
      return this;
    }
    return scheme == Scheme.S3
        ? new StoreUri(Scheme.S3, bucket, trimSlashes(Keys.join(path, key)))
        : new StoreUri(Scheme.FILE, null, Path.of(path).resolve(key).toString());
  }

  /**
   * The Hadoop/Spark path of a key, prefix or glob inside this store: {@code s3a://bucket/...}
   * or {@code file:/...}. Job code passes these to {@code spark.read()} and {@code write()}.
   */
  public String sparkPath(String key) {
    String relative = Objects.requireNonNull(key, "key");
    if (scheme == Scheme.S3) {
      return "s3a://" + bucket + "/" + Keys.join(path, relative);
    }
    String base = path.endsWith("/") ? path : path + "/";
    return "file:" + (relative.isEmpty() ? path : base + relative);
  }

  /** The Hadoop/Spark path of the store root. */
  public String sparkPath() {
    return sparkPath("");
  }

  private void requireS3() {
    if (scheme != Scheme.S3) {
      throw new IllegalStateException(this + " is not an S3 store");
    }
  }

  private static String trimSlashes(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && s.charAt(start) == '/') {
      start++;
    }
    while (end > start && s.charAt(end - 1) == '/') {
      end--;
    }
    return s.substring(start, end);
  }

  @Override
  public String toString() {
    return scheme == Scheme.S3
        ? "s3://" + bucket + (path.isEmpty() ? "" : "/" + path)
        : "file:" + path;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoreUri other
        && scheme == other.scheme
        && Objects.equals(bucket, other.bucket)
        && path.equals(other.path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(scheme, bucket, path);
  }
}
