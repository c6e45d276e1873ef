package org.climatehealth.pipeline.config;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach S3 ({@code pipeline.s3.*}). Credentials are not settings: they come from the AWS
 * default provider chain (environment, system properties, profile, instance or Glue role).
 *
 * @param endpoint custom endpoint (S3Proxy, MinIO...); empty means AWS itself
 * @param pathStyleAccess address buckets as {@code endpoint/bucket} rather than {@code bucket.endpoint}
 * @param region signing region
 * @param multipartThreshold files at least this large are uploaded and downloaded in parts
 * @param multipartPartSize size of each part
 * @param maxAttempts attempts per request, first try included (SDK and S3A retries)
 * @param retry back-off and timeouts ({@code pipeline.s3.retry.*})
 * @param encryption server-side encryption of every write ({@code pipeline.s3.encryption.*})
 */
public record S3Settings(
    Optional<URI> endpoint,
    boolean pathStyleAccess,
    String region,
    long multipartThreshold,
    long multipartPartSize,
    int maxAttempts,
    Retry retry,
    Encryption encryption) {

  public S3Settings {
    Objects.requireNonNull(retry, "retry");
    Objects.requireNonNull(encryption, "encryption");
    if (endpoint.isPresent() && endpoint.get().getRawUserInfo() != null) {
      // credentials never come from configuration; the message masks them
      throw new ConfigurationException("bad pipeline.s3.endpoint " + Redaction.userInfo(endpoint.get().toString())
          + ": credentials (user-info before '@') do not belong in it; they come from the AWS default provider "
          + "chain (environment, profile, instance or Glue role)");
    }
  }

  /** Default retry timing and no encryption. */
  public S3Settings(Optional<URI> endpoint, boolean pathStyleAccess, String region, long multipartThreshold,
      long multipartPartSize, int maxAttempts) {
    this(endpoint, pathStyleAccess, region, multipartThreshold, multipartPartSize, maxAttempts,
        Retry.DEFAULT, Encryption.NONE);
  }

  public S3Settings withRetry(Retry value) {
    return new S3Settings(endpoint, pathStyleAccess, region, multipartThreshold, multipartPartSize, maxAttempts,
        value, encryption);
  }

  public S3Settings withEncryption(Encryption value) {
    return new S3Settings(endpoint, pathStyleAccess, region, multipartThreshold, multipartPartSize, maxAttempts,
        retry, value);
  }

  /**
   * Retries and timeouts beyond {@code max-attempts} ({@code pipeline.s3.retry.*}).
   *
   * @param interval base delay of the exponential back-off between attempts (SDK), and between
   *     S3A's own retries of an operation
   * @param maxBackoff longest delay between two SDK attempts
   * @param limit S3A: retries of a failed operation after the SDK gave up ({@code fs.s3a.retry.limit})
   * @param throttleInterval base delay after a 503 SlowDown / throttling answer
   * @param throttleLimit S3A: retries after throttling ({@code fs.s3a.retry.throttle.limit})
   * @param http5xx S3A: retry other 5xx answers (500, 502, 504) too
   * @param connectTimeout time to establish a connection
   * @param requestTimeout time for one attempt of one request (not a whole upload in parts)
   */
  public record Retry(
      Duration interval,
      Duration maxBackoff,
      int limit,
      Duration throttleInterval,
      int throttleLimit,
      boolean http5xx,
      Duration connectTimeout,
      Duration requestTimeout) {
    /** The values of {@code reference.conf}. */
    public static final Retry DEFAULT = new Retry(Duration.ofMillis(500), Duration.ofSeconds(20), 7,
        Duration.ofMillis(500), 20, true, Duration.ofSeconds(30), Duration.ofSeconds(60));
  }

  /** Server-side encryption algorithms ({@code pipeline.s3.encryption.algorithm}). */
  public enum Algorithm {
    /** No encryption header: the bucket's default encryption applies. */
    NONE(""),
    /** S3-managed keys (AES256). */
    SSE_S3("SSE-S3"),
    /** AWS KMS keys, the bucket's default KMS key unless a key id is given. */
    SSE_KMS("SSE-KMS");

    private final String configName;

    Algorithm(String configName) {
      this.configName = configName;
    }

    /** The spelling in configuration (and in S3A's {@code fs.s3a.encryption.algorithm}). */
    public String configName() {
      return configName;
    }
  }

  /**
   * Server-side encryption requested on every write.
   *
   * @param algorithm none, SSE-S3 or SSE-KMS
   * @param kmsKeyId the KMS key (id, ARN or alias) for SSE-KMS; empty: the account's default key
   */
  public record Encryption(Algorithm algorithm, Optional<String> kmsKeyId) {
    public static final Encryption NONE = new Encryption(Algorithm.NONE, Optional.empty());

    public Encryption {
      Objects.requireNonNull(algorithm, "algorithm");
      Objects.requireNonNull(kmsKeyId, "kmsKeyId");
      if (kmsKeyId.isPresent() && algorithm != Algorithm.SSE_KMS) {
        throw new IllegalArgumentException("a KMS key id needs the SSE-KMS algorithm");
      }
    }

    public boolean enabled() {
      return algorithm != Algorithm.NONE;
    }
  }
}
