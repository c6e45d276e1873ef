package org.climatehealth.pipeline.storage;

import java.lang.reflect.Method;
import java.util.Objects;
import org.climatehealth.pipeline.config.S3Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3BaseClientBuilder;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.multipart.MultipartConfiguration;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * The AWS SDK clients of one S3 configuration, built lazily from {@link S3Settings} and shared
 * by every {@link S3Storage} that uses them: one {@link S3Client}, one multipart-enabled
 * {@link S3AsyncClient} and one {@link S3TransferManager}. Thread-safe.
 *
 * <p>Credentials come from the AWS default provider chain (system properties, environment,
 * profile, container or instance role), never from settings. Closing this closes what it built;
 * a client passed in by {@link #withClient} stays the caller's.
 */
public final class S3Clients implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(S3Clients.class);

  private final S3Settings settings;
  private final boolean ownsSyncClient;
  private S3Client syncClient;
  private S3AsyncClient asyncClient;
  private S3TransferManager transferManager;
  private boolean closed;
  // what the server turned out not to support, learnt once per endpoint
  private volatile boolean multiDeleteUnsupported;
  private volatile boolean partDownloadUnsupported;

  /** Clients built from {@code settings} on first use. */
  public S3Clients(S3Settings settings) {
    this(settings, null);
  }

  private S3Clients(S3Settings settings, S3Client client) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.syncClient = client;
    this.ownsSyncClient = client == null;
  }

  /**
   * Uses a prebuilt synchronous client (not closed by {@link #close()}); the asynchronous client
   * and transfer manager are still built from {@code settings}.
   */
  public static S3Clients withClient(S3Settings settings, S3Client client) {
    return new S3Clients(settings, Objects.requireNonNull(client, "client"));
  }

  public S3Settings settings() {
    return settings;
  }

  /** The synchronous client, for single requests. */
  public synchronized S3Client sync() {
    ensureOpen();
    if (syncClient == null) {
      syncClient = configure(S3Client.builder()).build();
      LOG.debug("built S3 client for {}", describe());
    }
    return syncClient;
  }

  /** The asynchronous client, with multipart uploads above the configured threshold. */
  public synchronized S3AsyncClient async() {
    ensureOpen();
    if (asyncClient == null) {
      asyncClient = configure(S3AsyncClient.builder())
          .multipartEnabled(true)
          .multipartConfiguration(MultipartConfiguration.builder()
              .thresholdInBytes(settings.multipartThreshold())
              .minimumPartSizeInBytes(settings.multipartPartSize())
              .build())
          .build();
      LOG.debug("built multipart S3 async client for {}", describe());
    }
    return asyncClient;
  }

  /** The transfer manager over {@link #async()}, for large uploads and downloads. */
  public synchronized S3TransferManager transferManager() {
    ensureOpen();
    if (transferManager == null) {
      transferManager = S3TransferManager.builder().s3Client(async()).build();
    }
    return transferManager;
  }

  /** False once the server answered NotImplemented to a multi-object delete. */
  boolean supportsMultiDelete() {
    return !multiDeleteUnsupported;
  }

  void multiDeleteUnsupported() {
    multiDeleteUnsupported = true;
  }

  /** False once the server answered NotImplemented to a GET of one part of an object. */
  boolean supportsPartDownload() {
    return !partDownloadUnsupported;
  }

  void partDownloadUnsupported() {
    partDownloadUnsupported = true;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (transferManager != null) {
      transferManager.close();
    }
    if (asyncClient != null) {
      asyncClient.close();
    }
    if (syncClient != null && ownsSyncClient) {
      syncClient.close();
    }
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("S3 clients already closed");
    }
  }

  private <B extends S3BaseClientBuilder<B, C>, C> B configure(B builder) {
    builder.region(Region.of(settings.region()))
        .credentialsProvider(credentials(settings))
        .forcePathStyle(settings.pathStyleAccess())
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .retryStrategy(retryStrategy(settings))
            // one attempt of one request (a part, not a whole upload in parts), connecting included
            .apiCallAttemptTimeout(settings.retry().requestTimeout())
            .build());
    // always explicit, so that AWS_ENDPOINT_URL(_S3), aws.endpointUrl or a profile's endpoint_url
    // never redirect requests (and credentials) elsewhere: see S3Endpoints
    builder.endpointOverride(S3Endpoints.effective(settings));
    S3Endpoints.warnIfInsecure(settings);
    settings.endpoint().ifPresent(endpoint -> checksumsWhenRequired(builder));
    return builder;
  }

  /**
   * The SDK's standard retry strategy (retry mode STANDARD: throttling, 5xx, connection and
   * timeout failures are retried) with the configured attempts and exponential back-off with
   * jitter: {@code pipeline.s3.retry.interval} doubling up to {@code max-backoff}, and
   * {@code throttle-interval} as the base after a 503 SlowDown.
   */
  public static RetryStrategy retryStrategy(S3Settings settings) {
    S3Settings.Retry retry = settings.retry();
    return AwsRetryStrategy.standardRetryStrategy().toBuilder()
        .maxAttempts(settings.maxAttempts())
        .backoffStrategy(BackoffStrategy.exponentialDelay(retry.interval(), retry.maxBackoff()))
        .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(retry.throttleInterval(),
            max(retry.throttleInterval(), retry.maxBackoff())))
        .build();
  }

  private static java.time.Duration max(java.time.Duration a, java.time.Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /**
   * The AWS default provider chain. For a custom endpoint, anonymous access follows when the chain
   * finds nothing: a local S3-compatible server may run without authorization. Against AWS itself
   * missing credentials stay an error.
   */
  static AwsCredentialsProvider credentials(S3Settings settings) {
    if (settings.endpoint().isEmpty()) {
      return DefaultCredentialsProvider.create();
    }
    return AwsCredentialsProviderChain.builder()
        .credentialsProviders(DefaultCredentialsProvider.create(), AnonymousCredentialsProvider.create())
        .build();
  }

  /**
   * SDK 2.30 and later add CRC checksums to every request by default, which many S3-compatible
   * stores reject. For a custom endpoint, ask for checksums only where the API requires them.
   * The build compiles against 2.29 (no such setting), while Glue 6.0 provides a newer SDK: hence
   * reflection, a no-op on older SDKs.
   */
  private static void checksumsWhenRequired(Object builder) {
    setEnum(builder, "requestChecksumCalculation",
        "software.amazon.awssdk.core.checksums.RequestChecksumCalculation");
    setEnum(builder, "responseChecksumValidation",
        "software.amazon.awssdk.core.checksums.ResponseChecksumValidation");
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void setEnum(Object builder, String method, String enumClass) {
    try {
      Class<? extends Enum> type = (Class<? extends Enum>) Class.forName(enumClass);
      // looked up on the public interface: the builder implementation class is package-private
      Method setter = S3BaseClientBuilder.class.getMethod(method, type);
      setter.invoke(builder, Enum.valueOf(type, "WHEN_REQUIRED"));
      LOG.debug("S3 client: {}=WHEN_REQUIRED", method);
    } catch (ClassNotFoundException | NoSuchMethodException e) {
      // SDK before 2.30: checksums are only sent where required anyway
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("cannot set {} on the S3 client builder: {}", method, e.toString());
    }
  }

  private String describe() {
    return settings.endpoint().map(Object::toString).orElse("AWS " + S3Endpoints.effective(settings))
        + " (region " + settings.region()
        + (settings.pathStyleAccess() ? ", path-style" : "") + ")";
  }
}
