package org.climatehealth.pipeline.publish;

import static org.assertj.core.api.Assertions.assertThat;

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
import software.amazon.awssdk.core.sync.RequestBody;

/** {@link PublisherContractTest} on S3 (S3Proxy), plus what only S3 has: pending multipart uploads. */
@ExtendWith(S3ProxyExtension.class)
class S3PublisherIT extends PublisherContractTest {
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
    return new S3Storage(StoreUri.parse("s3://" + bucket + "/store"), clients);
  }

  @Test
  void recoveryAbortsTheUploadsADeadRunLeftPendingAndOnlyThose() {
    // a task of a killed run had started its part upload, as the magic committer does, and
    // another upload outside the store's staging is someone else's
    String dead = "store/_staging/D/t/m=01/part-00000-x.c000.snappy.parquet";
    String uploadId = server.client().createMultipartUpload(b -> b.bucket(bucket).key(dead)).uploadId();
    server.client().uploadPart(b -> b.bucket(bucket).key(dead).uploadId(uploadId).partNumber(1),
        RequestBody.fromString("part of a file"));
    String foreign = "elsewhere/file.bin";
    server.client().createMultipartUpload(b -> b.bucket(bucket).key(foreign));

    Publisher.recover(store);

    assertThat(server.client().listMultipartUploads(b -> b.bucket(bucket)).uploads())
        .extracting(u -> u.key()).containsExactly(foreign);
  }
}
