package org.climatehealth.pipeline.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.storage.S3Endpoints;

/**
 * The Hadoop and Spark options that let Spark reach the configured stores: S3A connection
 * settings, and the S3A magic committer for S3 outputs. Pure functions of {@link Settings}, so
 * they can be checked without a session.
 *
 * <p>With only local stores both maps are empty: Spark's default committer stays, which local
 * dynamic partition overwrite needs. Neither map ever holds credentials: S3A, like the SDK
 * clients of the storage layer, takes them from the AWS default provider chain.
 */
public final class SparkStoreConfig {
  /** {@code pipeline.spark.s3-committer} value that selects the S3A magic committer. */
  public static final String MAGIC_COMMITTER = "magic";

  static final String PATH_OUTPUT_COMMIT_PROTOCOL =
      "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol";
  static final String BINDING_PARQUET_COMMITTER =
      "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter";
  static final String DEFAULT_CREDENTIALS_PROVIDER =
      "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider";
  static final String ANONYMOUS_CREDENTIALS_PROVIDER = "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider";

  private SparkStoreConfig() {}

  /**
   * Hadoop {@code fs.s3a.*} options (without the {@code spark.hadoop.} prefix) when any store is
   * on S3; empty otherwise.
   */
  public static Map<String, String> hadoopOptions(Settings settings) {
    Map<String, String> options = new LinkedHashMap<>();
    if (!settings.stores().anyS3()) {
      return options;
    }
    S3Settings s3 = settings.s3();
    // always explicit, AWS's regional https endpoint when none is configured: S3A otherwise lets the
    // SDK take one from AWS_ENDPOINT_URL(_S3), aws.endpointUrl or a profile (see S3Endpoints)
    options.put("fs.s3a.endpoint", S3Endpoints.effective(s3).toString());
    // TLS unless an http:// endpoint is configured explicitly
    boolean plainHttp = S3Endpoints.plainHttp(s3);
    options.put("fs.s3a.path.style.access", Boolean.toString(s3.pathStyleAccess()));
    // explicit: S3A otherwise guesses (us-east-2 on Glue)
    options.put("fs.s3a.endpoint.region", s3.region());
    options.put("fs.s3a.connection.ssl.enabled", Boolean.toString(!plainHttp));
    // the storage layer's chain: the default one, and for a custom endpoint (a local S3-compatible
    // server without authorization) anonymous access when the default chain finds nothing
    options.put("fs.s3a.aws.credentials.provider", s3.endpoint().isPresent()
        ? DEFAULT_CREDENTIALS_PROVIDER + "," + ANONYMOUS_CREDENTIALS_PROVIDER
        : DEFAULT_CREDENTIALS_PROVIDER);
    options.put("fs.s3a.attempts.maximum", Integer.toString(s3.maxAttempts()));
    retryOptions(s3.retry(), options);
    encryptionOptions(s3.encryption(), options);
    // the user's s3:// spelling, should a path reach Hadoop unmapped
    options.put("fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem");
    return options;
  }

  /** S3A back-off and timeouts ({@code pipeline.s3.retry.*}, the timeouts of {@code pipeline.s3}). */
  private static void retryOptions(S3Settings.Retry retry, Map<String, String> options) {
    options.put("fs.s3a.retry.limit", Integer.toString(retry.limit()));
    options.put("fs.s3a.retry.interval", millis(retry.interval()));
    options.put("fs.s3a.retry.throttle.limit", Integer.toString(retry.throttleLimit()));
    options.put("fs.s3a.retry.throttle.interval", millis(retry.throttleInterval()));
    options.put("fs.s3a.retry.http.5xx.errors", Boolean.toString(retry.http5xx()));
    options.put("fs.s3a.connection.establish.timeout", millis(retry.connectTimeout()));
    options.put("fs.s3a.connection.request.timeout", millis(retry.requestTimeout()));
  }

  /**
   * Server-side encryption of S3A writes; nothing for none, so that a runtime's own setting (a
   * Glue security configuration) stays. The key id is not a secret, but only SSE-KMS carries one.
   */
  private static void encryptionOptions(S3Settings.Encryption encryption, Map<String, String> options) {
    if (!encryption.enabled()) {
      return;
    }
    options.put("fs.s3a.encryption.algorithm", encryption.algorithm().configName());
    encryption.kmsKeyId().ifPresent(key -> options.put("fs.s3a.encryption.key", key));
  }

  private static String millis(java.time.Duration duration) {
    return duration.toMillis() + "ms";
  }

  /**
   * Spark options selecting the S3A magic committer, when any store is on S3 and the configured
   * committer is {@value #MAGIC_COMMITTER}; empty otherwise (local stores only, or
   * {@code runtime} to keep the runtime's own setup, as on Glue).
   */
  public static Map<String, String> sparkOptions(Settings settings) {
    Map<String, String> options = new LinkedHashMap<>();
    if (!settings.stores().anyS3() || !MAGIC_COMMITTER.equals(settings.spark().s3Committer())) {
      return options;
    }
    options.put("spark.hadoop.fs.s3a.committer.name", MAGIC_COMMITTER);
    options.put("spark.hadoop.fs.s3a.committer.magic.enabled", "true");
    options.put("spark.sql.sources.commitProtocolClass", PATH_OUTPUT_COMMIT_PROTOCOL);
    options.put("spark.sql.parquet.output.committer.class", BINDING_PARQUET_COMMITTER);
    return options;
  }
}
