package org.climatehealth.pipeline.storage;

/**
 * Rules for object keys, shared by every storage implementation so that all of them accept and
 * refuse exactly the same keys.
 *
 * <p>A key is a relative, {@code /}-separated name inside a store: no leading {@code /}, no
 * {@code .} or {@code ..} segment, no empty segment, no backslash and no control character. A
 * prefix follows the same rules but may be empty (the whole store) and may end with {@code /}.
 */
public final class Keys {
  private Keys() {}

  /** Validates an object key (non-empty, no trailing slash) and returns it. */
  public static String key(String key) {
    check(key, false);
    if (key.endsWith("/")) {
      throw new InvalidKeyException("invalid key '" + key + "': an object key cannot end with '/'");
    }
    return key;
  }

  /** Validates a prefix (may be empty, may end with '/') and returns it. */
  public static String prefix(String prefix) {
    check(prefix, true);
    return prefix;
  }

  /** The prefix of everything below {@code key} seen as a folder: {@code "a/b"} gives {@code "a/b/"}. */
  public static String folder(String key) {
    prefix(key);
    return key.isEmpty() || key.endsWith("/") ? key : key + "/";
  }

  /** Joins a base prefix (possibly empty) and a relative key with exactly one '/'. */
  public static String join(String base, String key) {
    if (base.isEmpty()) {
      return key;
    }
    if (key.isEmpty()) {
      return base;
    }
    return base.endsWith("/") ? base + key : base + "/" + key;
  }

  /** The first segment of a key followed by '/', or "" for a key at the top level. */
  public static String topLevel(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? "" : key.substring(0, slash + 1);
  }

  private static void check(String key, boolean allowEmpty) {
    if (key == null) {
      throw new InvalidKeyException("invalid key: null");
    }
    if (key.isEmpty()) {
      if (allowEmpty) {
        return;
      }
      throw new InvalidKeyException("invalid key '': a key names an object and cannot be empty");
    }
    if (key.startsWith("/")) {
      throw new InvalidKeyException(
          "invalid key '" + key + "': absolute keys are refused; keys are relative to their store");
    }
    if (key.indexOf('\\') >= 0) {
      throw new InvalidKeyException("invalid key '" + key + "': backslashes are refused");
    }
    for (int i = 0; i < key.length(); i++) {
      if (Character.isISOControl(key.charAt(i))) {
        throw new InvalidKeyException("invalid key '" + key.replaceAll("\\p{Cntrl}", "?")
            + "': control characters are refused");
      }
    }
    String body = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
    for (String segment : body.split("/", -1)) {
      if (segment.equals("..") || segment.equals(".")) {
        throw new InvalidKeyException("invalid key '" + key + "': '" + segment
            + "' segments are refused; a key cannot leave its store");
      }
      if (segment.isEmpty()) {
        throw new InvalidKeyException("invalid key '" + key + "': empty path segment ('//')");
      }
    }
  }
}
