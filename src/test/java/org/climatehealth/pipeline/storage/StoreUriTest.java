package org.climatehealth.pipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class StoreUriTest {

  @Test
  void s3UrisMapToS3aForSparkAndToBucketAndKeyForTheSdk() {
    StoreUri uri = StoreUri.parse("s3://climate-raw/landing/");

    assertThat(uri.isS3()).isTrue();
    assertThat(uri.bucket()).isEqualTo("climate-raw");
    assertThat(uri.prefix()).isEqualTo("landing");
    assertThat(uri.objectKey("raw/climate_data.csv")).isEqualTo("landing/raw/climate_data.csv");
    assertThat(uri.sparkPath("raw/climate_data*.csv")).isEqualTo("s3a://climate-raw/landing/raw/climate_data*.csv");
    assertThat(uri.resolve("raw/x.csv").toString()).isEqualTo("s3://climate-raw/landing/raw/x.csv");
    assertThat(uri.toString()).isEqualTo("s3://climate-raw/landing");
    assertThat(StoreUri.parse("s3a://climate-raw/landing")).isEqualTo(uri);
  }

  @ParameterizedTest
  @ValueSource(strings = {"s3://AKIAEXAMPLE:secretkey@bucket", "s3://AKIAEXAMPLE:sec/ret+key@bucket/prefix",
      "s3://AKIAEXAMPLE@bucket", "s3a://AKIAEXAMPLE:secretkey@bucket/p"})
  void credentialsInAStoreUriAreRefusedAndNeverEchoed(String uri) {
    assertThatThrownBy(() -> StoreUri.parse(uri))
        .isInstanceOf(InvalidStoreUriException.class)
        .hasMessageContaining("carries credentials")
        .hasMessageContaining("***@bucket")
        .hasMessageNotContaining("AKIAEXAMPLE")
        .hasMessageNotContaining("secret")
        .hasMessageNotContaining("ret+key");
  }

  @Test
  void anAtSignInAKeyPrefixIsNoCredential() {
    assertThat(StoreUri.parse("s3://bucket/runs@2024").prefix()).isEqualTo("runs@2024");
  }

  @Test
  void aBucketRootHasAnEmptyPrefix() {
    StoreUri uri = StoreUri.parse("s3://raw");
    assertThat(uri.prefix()).isEmpty();
    assertThat(uri.objectKey("raw/a.csv")).isEqualTo("raw/a.csv");
    assertThat(uri.sparkPath("processed/climate/")).isEqualTo("s3a://raw/processed/climate/");
    assertThat(uri.toString()).isEqualTo("s3://raw");
  }

  @Test
  void fileUrisResolveRelativePathsAgainstTheWorkingDirectory() {
    Path cwd = Path.of("").toAbsolutePath();
    StoreUri relative = StoreUri.parse("file:data/raw-bucket");

    assertThat(relative.directory()).isEqualTo(cwd.resolve("data/raw-bucket"));
    assertThat(relative.sparkPath("raw/a.csv")).isEqualTo("file:" + cwd.resolve("data/raw-bucket/raw/a.csv"));
    assertThat(StoreUri.parse("file:///tmp/store").directory()).isEqualTo(Path.of("/tmp/store"));
    assertThat(StoreUri.parse("file://localhost/tmp/store").directory()).isEqualTo(Path.of("/tmp/store"));
    assertThat(StoreUri.parse("file:/tmp/store").toString()).isEqualTo("file:/tmp/store");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "data/raw", "ftp://host/x", "s3://", "s3:///key", "s3://UPPER", "s3://ab",
      "s3://bucket_name", "s3://bucket/../x", "file:", "file://otherhost/x", "hdfs://nn/x"})
  void malformedUrisAreUsageErrors(String text) {
    assertThatThrownBy(() -> StoreUri.parse(text))
        .isInstanceOf(InvalidStoreUriException.class)
        .isInstanceOf(org.climatehealth.pipeline.UsageError.class)
        .hasMessageContaining("store URI");
  }

  @ParameterizedTest
  @CsvSource({"raw/x.csv,raw/", "top.csv,''", "a/b/c,a/", "'',''"})
  void theTopLevelPrefixIsTheFirstSegment(String key, String expected) {
    assertThat(Keys.topLevel(key)).isEqualTo(expected);
  }
}
