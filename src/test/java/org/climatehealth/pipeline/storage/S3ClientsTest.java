package org.climatehealth.pipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Optional;
import org.climatehealth.pipeline.config.ConfigurationException;
import org.climatehealth.pipeline.config.S3Settings;
import org.junit.jupiter.api.Test;

/** Where the SDK clients send requests: only the configured endpoint, else AWS over HTTPS. */
class S3ClientsTest {
  private static final long MIB = 1 << 20;

  private static S3Settings settings(String endpoint, String region) {
    return new S3Settings(Optional.ofNullable(endpoint).map(URI::create), endpoint != null, region, 8 * MIB,
        8 * MIB, 3);
  }

  @Test
  void withoutAnEndpointTheClientsGoToTheRegionsAwsEndpointOverHttps() {
    try (S3Clients clients = new S3Clients(settings(null, "eu-west-1"))) {
      // explicit, so that AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_S3, aws.endpointUrl or a profile cannot move it
      assertThat(clients.sync().serviceClientConfiguration().endpointOverride())
          .contains(URI.create("https://s3.eu-west-1.amazonaws.com"));
      assertThat(clients.async().serviceClientConfiguration().endpointOverride())
          .contains(URI.create("https://s3.eu-west-1.amazonaws.com"));
    }
  }

  @Test
  void everyPartitionGetsItsRegionalHttpsName() {
    // us-east-1's global name would make S3A leave the endpoint to the SDK again
    assertThat(S3Endpoints.aws("us-east-1")).isEqualTo(URI.create("https://s3.us-east-1.amazonaws.com"));
    assertThat(S3Endpoints.aws("eu-west-2")).isEqualTo(URI.create("https://s3.eu-west-2.amazonaws.com"));
    assertThat(S3Endpoints.aws("cn-north-1")).isEqualTo(URI.create("https://s3.cn-north-1.amazonaws.com.cn"));
    assertThat(S3Endpoints.effective(settings(null, "us-gov-west-1")))
        .isEqualTo(URI.create("https://s3.us-gov-west-1.amazonaws.com"));
  }

  @Test
  void aConfiguredEndpointIsUsedAsGiven() {
    try (S3Clients clients = new S3Clients(settings("http://127.0.0.1:9000", "us-east-1"))) {
      assertThat(clients.sync().serviceClientConfiguration().endpointOverride())
          .contains(URI.create("http://127.0.0.1:9000"));
    }
    assertThat(S3Endpoints.effective(settings("https://minio.example.org:9443", "us-east-1")))
        .isEqualTo(URI.create("https://minio.example.org:9443"));
  }

  @Test
  void plainHttpIsAllowedWhenConfiguredAndWarnedAboutOnlyForAnotherMachine() {
    assertThat(S3Endpoints.plainHttp(settings(null, "eu-west-1"))).isFalse();
    assertThat(S3Endpoints.plainHttp(settings("https://minio.example.org", "eu-west-1"))).isFalse();
    assertThat(S3Endpoints.plainHttp(settings("HTTP://10.1.2.3:9000", "eu-west-1"))).isTrue();

    assertThat(S3Endpoints.warnIfInsecure(settings("http://10.1.2.3:9000", "eu-west-1"))).isTrue();
    assertThat(S3Endpoints.warnIfInsecure(settings("http://minio.internal:9000", "eu-west-1"))).isTrue();
    assertThat(S3Endpoints.warnIfInsecure(settings("http://127.0.0.1:9000", "eu-west-1"))).isFalse();
    assertThat(S3Endpoints.warnIfInsecure(settings("http://localhost:9000", "eu-west-1"))).isFalse();
    assertThat(S3Endpoints.warnIfInsecure(settings("http://[::1]:9000", "eu-west-1"))).isFalse();
    assertThat(S3Endpoints.warnIfInsecure(settings("https://minio.example.org", "eu-west-1"))).isFalse();
    assertThat(S3Endpoints.warnIfInsecure(settings(null, "eu-west-1"))).isFalse();
    // allowed: the client builds and keeps the configured http endpoint
    try (S3Clients clients = new S3Clients(settings("http://10.1.2.3:9000", "eu-west-1"))) {
      assertThat(clients.sync().serviceClientConfiguration().endpointOverride())
          .contains(URI.create("http://10.1.2.3:9000"));
    }
  }

  @Test
  void anEndpointWithCredentialsIsRefusedWithoutEchoingThem() {
    assertThatThrownBy(() -> settings("http://AKIAEXAMPLE:se%2Fcret@minio.example.org:9000", "eu-west-1"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("http://***@minio.example.org:9000")
        .hasMessageNotContaining("AKIAEXAMPLE")
        .hasMessageNotContaining("se%2Fcret");
  }
}
