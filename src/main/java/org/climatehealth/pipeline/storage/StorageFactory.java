package org.climatehealth.pipeline.storage;

import java.util.Map;
import java.util.function.Function;
import org.climatehealth.pipeline.config.S3Settings;

/**
 * Opens the {@link Storage} for a store URI, chosen by scheme. S3 clients are created on first
 * use, shared by every S3 store opened here, and closed with the factory.
 */
public final class StorageFactory implements AutoCloseable {

  private final S3Clients s3Clients;
  private final Map<StoreUri.Scheme, Function<StoreUri, Storage>> byScheme;

  public StorageFactory(S3Settings s3) {
    this.s3Clients = new S3Clients(s3);
    this.byScheme = Map.of(
        StoreUri.Scheme.FILE, LocalStorage::new,
        StoreUri.Scheme.S3, uri -> new S3Storage(uri, s3Clients));
  }

  /** The storage for {@code uri}; cheap, and needs no closing of its own. */
  public Storage open(StoreUri uri) {
    return byScheme.get(uri.scheme()).apply(uri);
  }

  @Override
  public void close() {
    s3Clients.close();
  }
}
