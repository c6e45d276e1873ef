package org.climatehealth.pipeline.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Content MD5s, the checksum every store can give (S3's single-part ETag is one), and the version
 * tag of a local file, which stands for its ETag in listings.
 */
public final class Checksums {
  private static final Pattern MD5_HEX = Pattern.compile("[0-9a-f]{32}");

  private Checksums() {}

  /** A new MD5 digest. */
  public static MessageDigest newMd5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("MD5 is required of every Java platform", e);
    }
  }

  /** True when {@code value} is a lower-case hex MD5. */
  public static boolean isMd5Hex(String value) {
    return value != null && MD5_HEX.matcher(value).matches();
  }

  /** Lower-case hex of a digest. */
  public static String hex(MessageDigest digest) {
    return HexFormat.of().formatHex(digest.digest());
  }

  /** Hex MD5 of everything a stream holds; closes it. */
  public static String md5(InputStream stream) throws IOException {
    try (DigestInputStream in = new DigestInputStream(stream, newMd5())) {
      in.transferTo(OutputStream.nullOutputStream());
      return hex(in.getMessageDigest());
    }
  }

  /**
   * The version tag of a local file, from its metadata alone (nothing of the content is read, so
   * listing costs the same whatever the file's size): a hash of its size, modification time (to
   * the nanosecond the file system keeps), identity (device and inode, where the platform gives
   * them) and status-change time (where there is one: no tool can set it back), as 16 hex digits.
   * Like S3's ETag it changes whenever the content does, and unlike an MD5 also when the same
   * bytes are written again. Never 32 hex digits: never taken for a content MD5
   * ({@link #isMd5Hex}); {@link #md5(Path)} reads the content when that is what is needed.
   */
  public static String versionTag(Path file, BasicFileAttributes attributes) throws IOException {
    StringBuilder version = new StringBuilder(96).append(attributes.size()).append('|')
        .append(attributes.lastModifiedTime().toInstant()).append('|').append(attributes.fileKey());
    try {
      version.append('|').append(Files.getAttribute(file, "unix:ctime"));
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // no unix attribute view (Windows): size, modification time and file key
    }
    byte[] digest = newMd5().digest(version.toString().getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(digest, 0, 8);
  }

  /** Hex MD5 of a local file's content. */
  public static String md5(Path file) {
    try {
      return md5(Files.newInputStream(file));
    } catch (NoSuchFileException e) {
      throw new ObjectNotFoundException(file.toString());
    } catch (IOException e) {
      throw new StorageException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
