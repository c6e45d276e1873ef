package org.climatehealth.pipeline.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.climatehealth.pipeline.config.ConfigurationException;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.storage.S3Clients;
import org.climatehealth.pipeline.testing.TestSettings;
import org.junit.jupiter.api.Test;

/**
 * {@code pipeline.s3.retry.*}, the timeouts and {@code pipeline.s3.encryption.*}: how they are read
 * and validated, and what they become for S3A and for the SDK clients.
 */
class S3RetryEncryptionConfigTest {
  private static final String S3_STORE = "pipeline.stores.processed=s3://bucket/processed";

  @Test
  void theDefaultsAreProductionSizedAndReachS3a() {
    Settings settings = TestSettings.local(S3_STORE);
    S3Settings.Retry retry = settings.s3().retry();

    assertThat(settings.s3().maxAttempts()).isEqualTo(5);
    assertThat(retry).isEqualTo(new S3Settings.Retry(Duration.ofMillis(500), Duration.ofSeconds(20), 7,
        Duration.ofMillis(500), 20, true, Duration.ofSeconds(30), Duration.ofSeconds(60)));
    assertThat(retry).isEqualTo(S3Settings.Retry.DEFAULT);
    assertThat(settings.s3().encryption()).isEqualTo(S3Settings.Encryption.NONE);

    Map<String, String> options = SparkStoreConfig.hadoopOptions(settings);
    assertThat(options)
        .containsEntry("fs.s3a.attempts.maximum", "5")
        .containsEntry("fs.s3a.retry.limit", "7")
        .containsEntry("fs.s3a.retry.interval", "500ms")
        .containsEntry("fs.s3a.retry.throttle.limit", "20")
        .containsEntry("fs.s3a.retry.throttle.interval", "500ms")
        .containsEntry("fs.s3a.retry.http.5xx.errors", "true")
        .containsEntry("fs.s3a.connection.establish.timeout", "30000ms")
        .containsEntry("fs.s3a.connection.request.timeout", "60000ms")
        // no encryption configured: nothing that would override a runtime's own setting
        .doesNotContainKeys("fs.s3a.encryption.algorithm", "fs.s3a.encryption.key");
  }

  @Test
  void overridesReachS3aAndTheSdkRetryStrategy() {
    Settings settings = TestSettings.local(S3_STORE, "pipeline.s3.max-attempts=9",
        "pipeline.s3.retry.interval=20ms", "pipeline.s3.retry.max-backoff=200ms", "pipeline.s3.retry.limit=3",
        "pipeline.s3.retry.throttle-interval=50ms", "pipeline.s3.retry.throttle-limit=4",
        "pipeline.s3.retry.http-5xx=false", "pipeline.s3.connect-timeout=2s", "pipeline.s3.request-timeout=1m");

    assertThat(SparkStoreConfig.hadoopOptions(settings))
        .containsEntry("fs.s3a.attempts.maximum", "9")
        .containsEntry("fs.s3a.retry.limit", "3")
        .containsEntry("fs.s3a.retry.interval", "20ms")
        .containsEntry("fs.s3a.retry.throttle.limit", "4")
        .containsEntry("fs.s3a.retry.throttle.interval", "50ms")
        .containsEntry("fs.s3a.retry.http.5xx.errors", "false")
        .containsEntry("fs.s3a.connection.establish.timeout", "2000ms")
        .containsEntry("fs.s3a.connection.request.timeout", "60000ms");
    assertThat(S3Clients.retryStrategy(settings.s3()).maxAttempts()).isEqualTo(9);
  }

  @Test
  void badRetryValuesAreConfigurationErrorsNamingTheKey() {
    assertThatThrownBy(() -> TestSettings.local("pipeline.s3.retry.interval=0ms"))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("pipeline.s3.retry.interval");
    assertThatThrownBy(() -> TestSettings.local("pipeline.s3.retry.interval=2s", "pipeline.s3.retry.max-backoff=1s"))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("pipeline.s3.retry.max-backoff");
    assertThatThrownBy(() -> TestSettings.local("pipeline.s3.retry.limit=-1"))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("pipeline.s3.retry.limit");
    assertThatThrownBy(() -> TestSettings.local("pipeline.s3.request-timeout=0s"))
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("pipeline.s3.request-timeout");
  }

  @Test
  void sseS3IsAes256ForS3a() {
    Settings settings = TestSettings.local(S3_STORE, "pipeline.s3.encryption.algorithm=SSE-S3");

    assertThat(settings.s3().encryption())
        .isEqualTo(new S3Settings.Encryption(S3Settings.Algorithm.SSE_S3, Optional.empty()));
    assertThat(SparkStoreConfig.hadoopOptions(settings))
        .containsEntry("fs.s3a.encryption.algorithm", "SSE-S3")
        .doesNotContainKey("fs.s3a.encryption.key");
  }

  @Test
  void sseKmsCarriesItsKeyIdAndTheAlgorithmNameIsCaseInsensitive() {
    String key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    Settings settings = TestSettings.local(S3_STORE, "pipeline.s3.encryption.algorithm=sse-kms",
        "pipeline.s3.encryption.kms-key-id=" + key);

    assertThat(settings.s3().encryption())
        .isEqualTo(new S3Settings.Encryption(S3Settings.Algorithm.SSE_KMS, Optional.of(key)));
    assertThat(SparkStoreConfig.hadoopOptions(settings))
        .containsEntry("fs.s3a.encryption.algorithm", "SSE-KMS")
        .containsEntry("fs.s3a.encryption.key", key);
  }

  @Test
  void sseKmsWithoutAKeyUsesTheAccountDefault() {
    Settings settings = TestSettings.local(S3_STORE, "pipeline.s3.encryption.algorithm=SSE-KMS");

    assertThat(settings.s3().encryption().kmsKeyId()).isEmpty();
    assertThat(SparkStoreConfig.hadoopOptions(settings))
        .containsEntry("fs.s3a.encryption.algorithm", "SSE-KMS")
        .doesNotContainKey("fs.s3a.encryption.key");
  }

  @Test
  void aKeyIdWithoutSseKmsOrAnUnknownAlgorithmIsAConfigurationError() {
    assertThatThrownBy(() -> TestSettings.local("pipeline.s3.encryption.kms-key-id=alias/data"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("pipeline.s3.encryption.kms-key-id")
        .hasMessageContaining("SSE-KMS");
    assertThatThrownBy(() -> TestSettings.local("pipeline.s3.encryption.algorithm=SSE-S3",
        "pipeline.s3.encryption.kms-key-id=alias/data"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("pipeline.s3.encryption.kms-key-id");
    assertThatThrownBy(() -> TestSettings.local("pipeline.s3.encryption.algorithm=SSE-C"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("pipeline.s3.encryption.algorithm")
        .hasMessageContaining("SSE-KMS");
  }
}
