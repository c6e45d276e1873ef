package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.storage.S3Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code scan} tests on S3 (S3Proxy): the raw store at a bucket root, the processed store
 * under a prefix. ETags are S3's, last-modified times have S3's one-second resolution (manifests
 * written in the same second are told apart by key).
 */
@ExtendWith(S3ProxyExtension.class)
class ScanS3IT extends ScanCommandTest {
  private static S3ProxyServer server;
  private S3Clients clients;

  @BeforeAll
  static void server(S3ProxyServer s3) {
    server = s3;
  }

  @Override
  void openStores() {
    String rawBucket = server.newBucket();
    String processedBucket = server.newBucket();
    clients = new S3Clients(server.s3Settings());
    raw = new S3Storage(StoreUri.parse("s3://" + rawBucket), clients);
    processed = new S3Storage(StoreUri.parse("s3://" + processedBucket + "/pipeline"), clients);
    storeOptions.addAll(List.of(
        "--conf", "pipeline.stores.raw=s3://" + rawBucket,
        "--conf", "pipeline.stores.processed=s3://" + processedBucket + "/pipeline",
        "--conf", "pipeline.s3.endpoint=" + server.endpoint(), "--conf", "pipeline.s3.path-style-access=true"));
  }

  @Override
  boolean etagIsContentMd5() {
    return true;
  }

  /** S3 has no way to set a last-modified time: rewriting the same bytes (done by the test) is the touch. */
  @Override
  void touchLater(String key) {}

  @Test
  void runOnAnEmptyRawStoreOnS3WritesNoSampleDataAndExits2() {
    raw.deletePrefix("raw/");
    CliRun run = CliRun.of(Stream.concat(Stream.of("run", "--run-id", "empty-1"), storeOptions.stream())
        .toArray(String[]::new));

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines().get(0)).isEqualTo("error: the raw store " + raw.uri() + " has no raw/ objects: load raw"
        + " data first (migrate, or your feeds); run writes sample data only into a raw store on local disk (use"
        + " generate to write it elsewhere)");
    assertThat(raw.list("")).isEmpty();
    assertThat(processed.list("")).isEmpty();
  }

  @AfterEach
  void closeClients() {
    clients.close();
  }
}
