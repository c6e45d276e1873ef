package org.climatehealth.pipeline.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.config.Settings;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.config.Settings.SparkSettings;
import org.climatehealth.pipeline.config.Settings.Stores;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.Test;

class SparkStoreConfigTest {
  private static final StoreUri LOCAL = StoreUri.local(Path.of("/tmp/store"));
  private static final StoreUri S3 = StoreUri.parse("s3://bucket/processed");
  private static final S3Settings PROXY =
      new S3Settings(Optional.of(URI.create("http://127.0.0.1:9000")), true, "us-east-1", 8 << 20, 8 << 20, 5);
  private static final S3Settings AWS = new S3Settings(Optional.empty(), false, "eu-west-1", 8 << 20, 8 << 20, 3);

  @Test
  void localStoresOnlyAddNothingSoSparksDefaultCommitterStays() {
    Settings settings = settings(new Stores(LOCAL, LOCAL, LOCAL), PROXY, "magic");

    assertThat(SparkStoreConfig.hadoopOptions(settings)).isEmpty();
    assertThat(SparkStoreConfig.sparkOptions(settings)).isEmpty();
  }

  @Test
  void aCustomHttpEndpointGivesPathStyleS3aWithoutTls() {
    Settings settings = settings(new Stores(LOCAL, S3, LOCAL), PROXY, "magic");

    assertThat(SparkStoreConfig.hadoopOptions(settings)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
        Map.entry("fs.s3a.endpoint", "http://127.0.0.1:9000"),
        Map.entry("fs.s3a.path.style.access", "true"),
        Map.entry("fs.s3a.endpoint.region", "us-east-1"),
        Map.entry("fs.s3a.connection.ssl.enabled", "false"),
        Map.entry("fs.s3a.aws.credentials.provider", "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider,"
            + "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider"),
        Map.entry("fs.s3a.attempts.maximum", "5"),
        // the default back-off and timeouts (S3Settings.Retry.DEFAULT, as in reference.conf)
        Map.entry("fs.s3a.retry.limit", "7"),
        Map.entry("fs.s3a.retry.interval", "500ms"),
        Map.entry("fs.s3a.retry.throttle.limit", "20"),
        Map.entry("fs.s3a.retry.throttle.interval", "500ms"),
        Map.entry("fs.s3a.retry.http.5xx.errors", "true"),
        Map.entry("fs.s3a.connection.establish.timeout", "30000ms"),
        Map.entry("fs.s3a.connection.request.timeout", "60000ms"),
        Map.entry("fs.s3.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem")));
  }

  @Test
  void awsItselfGetsItsRegionalHttpsEndpointExplicitlyAndTls() {
    Map<String, String> options = SparkStoreConfig.hadoopOptions(settings(new Stores(S3, S3, S3), AWS, "magic"));

    // explicit, so that AWS_ENDPOINT_URL(_S3), aws.endpointUrl or a profile's endpoint_url cannot move it
    assertThat(options).containsEntry("fs.s3a.endpoint", "https://s3.eu-west-1.amazonaws.com")
        .containsEntry("fs.s3a.endpoint.region", "eu-west-1")
        .containsEntry("fs.s3a.path.style.access", "false")
        .containsEntry("fs.s3a.connection.ssl.enabled", "true")
        // against AWS, missing credentials stay an error rather than anonymous access
        .containsEntry("fs.s3a.aws.credentials.provider", "software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider")
        .containsEntry("fs.s3a.attempts.maximum", "3");
  }

  @Test
  void tlsStaysOnForAnHttpsEndpointAndIsOffOnlyForAnExplicitHttpOne() {
    S3Settings https = new S3Settings(Optional.of(URI.create("https://minio.example.org:9443")), true, "us-east-1",
        8 << 20, 8 << 20, 3);
    S3Settings usEast1 = new S3Settings(Optional.empty(), false, "us-east-1", 8 << 20, 8 << 20, 3);

    assertThat(SparkStoreConfig.hadoopOptions(settings(new Stores(S3, S3, S3), https, "magic")))
        .containsEntry("fs.s3a.endpoint", "https://minio.example.org:9443")
        .containsEntry("fs.s3a.connection.ssl.enabled", "true");
    // the regional name, not s3.amazonaws.com, which S3A would hand back to the SDK's own resolution
    assertThat(SparkStoreConfig.hadoopOptions(settings(new Stores(S3, S3, S3), usEast1, "magic")))
        .containsEntry("fs.s3a.endpoint", "https://s3.us-east-1.amazonaws.com")
        .containsEntry("fs.s3a.connection.ssl.enabled", "true");
    assertThat(SparkStoreConfig.hadoopOptions(settings(new Stores(S3, S3, S3), PROXY, "magic")))
        .containsEntry("fs.s3a.connection.ssl.enabled", "false");
  }

  @Test
  void theMagicCommitterIsSelectedForS3Outputs() {
    Settings settings = settings(new Stores(S3, S3, S3), AWS, "magic");

    assertThat(SparkStoreConfig.sparkOptions(settings)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "spark.hadoop.fs.s3a.committer.name", "magic",
        "spark.hadoop.fs.s3a.committer.magic.enabled", "true",
        "spark.sql.sources.commitProtocolClass", "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol",
        "spark.sql.parquet.output.committer.class",
        "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter"));
  }

  @Test
  void theRuntimeCommitterSettingLeavesCommittersAloneButStillConnectsS3a() {
    Settings settings = settings(new Stores(S3, S3, S3), AWS, "runtime");

    assertThat(SparkStoreConfig.sparkOptions(settings)).isEmpty();
    assertThat(SparkStoreConfig.hadoopOptions(settings)).containsKey("fs.s3a.endpoint.region");
  }

  @Test
  void noOptionCarriesCredentials() {
    Settings settings = settings(new Stores(S3, S3, S3), PROXY, "magic");

    assertThat(SparkStoreConfig.hadoopOptions(settings).keySet())
        .noneMatch(key -> key.contains("access.key") || key.contains("secret") || key.contains("session.token"));
  }

  private static Settings settings(Stores stores, S3Settings s3, String committer) {
    return TestSettings.of("test", stores, s3, new SparkSettings("local[2]", committer, Map.of()), List.of("dengue"));
  }
}
