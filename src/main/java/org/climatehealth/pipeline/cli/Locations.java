package org.climatehealth.pipeline.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.storage.InvalidStoreUriException;
import org.climatehealth.pipeline.storage.Keys;
import org.climatehealth.pipeline.storage.StoreUri;

/**
 * What the storage command's arguments name: a store and a key inside it. Accepted spellings:
 * <ul>
 *   <li>{@code raw:KEY}, {@code processed:KEY}, {@code models:KEY} (or just {@code raw}): a key in a
 *       configured store;
 *   <li>{@code s3://BUCKET/KEY}: a key in a bucket, reached with the configured S3 settings;
 *   <li>{@code file:PATH}: a local file or folder (relative to the working directory, or absolute).
 * </ul>
 * Keys follow {@link Keys}: a {@code ..} segment is refused, so no spelling reaches outside its store.
 */
final class Locations {

  /** A store and a key (or prefix) in it. */
  record Location(StoreUri store, String key) {
    @Override
    public String toString() {
      return store.resolve(key).toString();
    }
  }

  private static final String EXPECTED =
      "expected raw:KEY, processed:KEY, models:KEY, s3://BUCKET/KEY or file:PATH";

  private Locations() {}

  static Location parse(String text, Settings settings) {
    if (text == null || text.isBlank()) {
      throw new InvalidStoreUriException("empty location: " + EXPECTED);
    }
    String value = text.trim();
    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.startsWith("s3://") || lower.startsWith("s3a://")) {
      StoreUri.requireNoCredentials(value); // before the bucket is cut out, so nothing of them is echoed
      String rest = value.substring(value.indexOf("://") + 3);
      int slash = rest.indexOf('/');
      StoreUri bucket = StoreUri.parse("s3://" + (slash < 0 ? rest : rest.substring(0, slash)));
      return new Location(bucket, Keys.prefix(slash < 0 ? "" : rest.substring(slash + 1)));
    }
    if (lower.startsWith("file:")) {
      String path = StoreUri.localPath(value);
      while (path.startsWith("./")) {
        path = path.substring(2);
      }
      boolean absolute = path.startsWith("/");
      String key = absolute ? path.replaceFirst("^/+", "") : path;
      if (key.equals(".")) {
        key = "";
      }
      StoreUri root = StoreUri.local(absolute ? Path.of("/") : Path.of(""));
      return new Location(root, Keys.prefix(key));
    }
    int colon = value.indexOf(':');
    String storeName = colon < 0 ? value : value.substring(0, colon);
    Map<String, StoreUri> stores = settings.stores().byName();
    StoreUri store = stores.get(storeName);
    if (store == null) {
      throw new InvalidStoreUriException("malformed location '" + value + "': " + EXPECTED);
    }
    return new Location(store, Keys.prefix(colon < 0 ? "" : value.substring(colon + 1)));
  }
}
