package org.climatehealth.pipeline.storage;

import java.util.Map;
import java.util.function.Function;
import org.climatehealth.pipeline.config.S3Settings;

/**
 * Opens the {@link Storage} for a store URI, chosen by scheme. S3 clients are created when the
 * first S3 store is opened, shared by every S3 store opened here, and closed with the factory.
 * With local stores only, no AWS SDK class is ever loaded, so local runs need no SDK on the
 * classpath (a stock Spark distribution has none).
 */
public final class StorageFactory implements AutoCloseable {

  private final S3Settings s3;
  private final Map<StoreUri.Scheme, Function<StoreUri, Storage>> byScheme;
  private S3Clients s3Clients;

  public StorageFactory(S3Settings s3) {
    this.s3 = s3;
    this.byScheme = Map.of(
        StoreUri.Scheme.FILE, LocalStorage::new,
        StoreUri.Scheme.S3, uri -> new S3Storage(uri, s3Clients()));
  }

  private synchronized S3Clients s3Clients() {
    if (s3Clients == null) {
      s3Clients = new S3Clients(s3);
    }
    return s3Clients;
  }

  /** The storage for {@code uri}; cheap, and needs no closing of its own. */
  public Storage open(StoreUri uri) {
    return byScheme.get(uri.scheme()).apply(uri);
  }

  @Override
  public synchronized void close() {
    if (s3Clients != null) {
      s3Clients.close();
    }
  }
}
