package org.climatehealth.pipeline.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.climatehealth.pipeline.registry.ModelRegistry.Claim;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.Test;

/** The registry contract on a local models store. */
class LocalModelRegistryTest extends ModelRegistryContractTest {

  @Override
  protected Storage newStorage() {
    return new LocalStorage(StoreUri.local(tempDir.resolve("models-bucket")));
  }

  @Test
  void sparkSavesTheModelInsideTheStoreDirectory() {
    Claim claim = registry.claim("risk", "run-1");

    assertThat(registry.sparkPath(claim.modelKey()))
        .isEqualTo("file:" + tempDir.resolve("models-bucket") + "/models/risk/v0001/model/");
    assertThat(tempDir.resolve("models-bucket/models/risk/v0001/_claim.json")).isRegularFile();
  }
}
