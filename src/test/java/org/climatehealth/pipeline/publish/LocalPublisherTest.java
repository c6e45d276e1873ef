package org.climatehealth.pipeline.publish;

import java.nio.file.Path;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.io.TempDir;

/** {@link PublisherContractTest} on local disk. */
class LocalPublisherTest extends PublisherContractTest {
  @TempDir Path root;

  @Override
  protected Storage newStorage() {
    return new LocalStorage(StoreUri.local(root.resolve("store")));
  }
}
