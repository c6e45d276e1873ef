package org.climatehealth.pipeline.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.climatehealth.pipeline.registry.ModelRegistry.Claim;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The registry contract on a models store in S3 (S3Proxy), under a key prefix. */
@ExtendWith(S3ProxyExtension.class)
class S3ModelRegistryIT extends ModelRegistryContractTest {
  private static S3ProxyServer server;
  private static S3Clients clients;
  private String bucket;

  @BeforeAll
  static void connect(S3ProxyServer s3proxy) {
    server = s3proxy;
    clients = new S3Clients(s3proxy.s3Settings());
  }

  @AfterAll
  static void disconnect() {
    clients.close();
  }

  @Override
  protected Storage newStorage() {
    bucket = server.newBucket();
    return new S3Storage(StoreUri.parse("s3://" + bucket + "/registry"), clients);
  }

  @Test
  void versionsLiveUnderTheStorePrefixAndSparkReachesThemThroughS3a() {
    Claim claim = registry.claim("risk", "run-1");

    assertThat(server.client().headObject(b -> b.bucket(bucket).key("registry/models/risk/v0001/_claim.json"))
        .contentLength()).isPositive();
    assertThat(registry.sparkPath(claim.modelKey())).isEqualTo("s3a://" + bucket + "/registry/models/risk/v0001/model/");
  }
}
