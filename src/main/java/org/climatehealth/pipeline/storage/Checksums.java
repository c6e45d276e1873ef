package org.climatehealth.pipeline.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Content MD5s, the checksum every store can give (S3's single-part ETag is one). */
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
