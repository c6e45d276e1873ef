package org.climatehealth.pipeline.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.spark.SparkStoreConfig;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.testing.TestSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The S3 endpoint comes only from configuration (issue 7, security). The AWS SDK otherwise takes
 * one from {@code AWS_ENDPOINT_URL}, {@code AWS_ENDPOINT_URL_S3}, a profile's {@code endpoint_url}
 * or the {@code aws.endpointUrl} system property, and S3A, which builds its clients with the SDK,
 * follows. Here {@code aws.endpointUrl} points at a decoy HTTP server in this JVM while no endpoint
 * is configured (AWS itself): a plain SDK client, and S3A without an explicit endpoint, go to the
 * decoy (the controls, proving the property is live), while the pipeline's SDK clients and S3A with
 * the pipeline's options never do. SecretLeakIT checks the same for the environment variables and
 * the profile, in child processes.
 */
class EndpointOverrideIT {
  private static final String BUCKET = "endpoint-override-test";
  private static final Map<String, String> PROPERTIES = Map.of(
      "aws.accessKeyId", "AKIAENDPOINTTEST0001",
      "aws.secretAccessKey", "endpoint-override-test-secret",
      "aws.region", "eu-west-1");

  private final AtomicInteger decoyRequests = new AtomicInteger();
  private final Map<String, String> saved = new LinkedHashMap<>();
  private HttpServer decoy;

  @BeforeEach
  void startDecoy() throws IOException {
    decoy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    decoy.createContext("/", exchange -> {
      decoyRequests.incrementAndGet();
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
    });
    decoy.start();
    Map<String, String> properties = new LinkedHashMap<>(PROPERTIES);
    properties.put("aws.endpointUrl", "http://127.0.0.1:" + decoy.getAddress().getPort());
    properties.forEach((key, value) -> {
      saved.put(key, System.getProperty(key));
      System.setProperty(key, value);
    });
  }

  @AfterEach
  void stopDecoy() {
    saved.forEach((key, value) -> {
      if (value == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, value);
      }
    });
    decoy.stop(0);
  }

  @Test
  void thePipelinesSdkClientsIgnoreTheEndpointProperty() {
    try (S3Client plain = S3Client.builder().region(Region.EU_WEST_1).build()) {
      catchThrowable(() -> plain.headObject(b -> b.bucket(BUCKET).key("k")));
    }
    assertThat(decoyRequests.get()).as("control: a client without an explicit endpoint follows aws.endpointUrl")
        .isPositive();
    decoyRequests.set(0);

    S3Settings aws = new S3Settings(Optional.empty(), false, "eu-west-1", 8 << 20, 8 << 20, 1);
    try (S3Clients clients = new S3Clients(aws)) {
      // AWS itself: unreachable from a sandbox, or refusing these made-up keys; never the decoy
      Throwable failure = catchThrowable(() -> clients.sync().headObject(b -> b.bucket(BUCKET).key("k")));
      assertThat(failure).isNotNull();
      assertThat(decoyRequests.get()).as("requests to the decoy").isZero();
      assertThat(clients.sync().serviceClientConfiguration().endpointOverride())
          .contains(URI.create("https://s3.eu-west-1.amazonaws.com"));
    }
  }

  @Test
  void s3aWithThePipelinesOptionsIgnoresTheEndpointProperty() throws Exception {
    Configuration conf = new Configuration();
    SparkStoreConfig.hadoopOptions(TestSettings.local("pipeline.stores.raw=s3://" + BUCKET,
        "pipeline.s3.region=eu-west-1")).forEach(conf::set);
    assertThat(conf.get("fs.s3a.endpoint")).isEqualTo("https://s3.eu-west-1.amazonaws.com");
    // fail fast: one attempt, no S3A retries
    conf.set("fs.s3a.impl.disable.cache", "true");
    conf.set("fs.s3a.attempts.maximum", "1");
    conf.set("fs.s3a.retry.limit", "0");
    conf.set("fs.s3a.retry.throttle.limit", "0");
    conf.set("fs.s3a.retry.http.5xx.errors", "false");

    Configuration withoutEndpoint = new Configuration(conf);
    withoutEndpoint.unset("fs.s3a.endpoint");
    statusOf(withoutEndpoint);
    assertThat(decoyRequests.get()).as("control: S3A without an explicit endpoint follows aws.endpointUrl")
        .isPositive();
    decoyRequests.set(0);

    Throwable failure = catchThrowable(() -> statusOf(conf));
    assertThat(failure).isNotNull();
    assertThat(decoyRequests.get()).as("requests to the decoy").isZero();
  }

  private static void statusOf(Configuration conf) throws IOException {
    try (FileSystem fs = FileSystem.newInstance(URI.create("s3a://" + BUCKET + "/"), conf)) {
      fs.getFileStatus(new Path("s3a://" + BUCKET + "/some/key"));
    } catch (IOException | RuntimeException expected) {
      if (conf.get("fs.s3a.endpoint") != null) {
        throw expected;
      }
    }
  }
}
