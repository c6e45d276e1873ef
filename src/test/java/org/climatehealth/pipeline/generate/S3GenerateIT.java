package org.climatehealth.pipeline.generate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.climatehealth.pipeline.storage.ObjectInfo;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageFactory;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate} into an S3 raw store (S3Proxy): the same bytes as on local disk. */
@ExtendWith(S3ProxyExtension.class)
class S3GenerateIT {

  @TempDir Path dir;

  private static String[] args(S3ProxyServer s3, String raw, String... extra) {
    return Stream.concat(Stream.of("generate", "--conf", "pipeline.stores.raw=" + raw,
        "--conf", "pipeline.stores.processed=s3://" + s3.newBucket(),
        "--conf", "pipeline.s3.endpoint=" + s3.endpoint(), "--conf", "pipeline.s3.path-style-access=true"),
        Stream.of(extra)).toArray(String[]::new);
  }

  @Test
  void writesTheSameFilesToS3AsToLocalDiskAndRefusesOrOverwritesThere(S3ProxyServer s3) throws IOException {
    String bucket = s3.newBucket();
    String[] options = {"--locations", "3", "--days", "4", "--daily-files", "--dirty-fraction", "0.2", "--seed", "9"};
    CliRun toS3 = CliRun.of(args(s3, "s3://" + bucket + "/landing", options));
    CliRun toDisk = CliRun.of(args(s3, "file:" + dir.resolve("raw"), options));
    assertThat(toS3.exitCode()).as(toS3.err()).isZero();
    assertThat(toDisk.exitCode()).as(toDisk.err()).isZero();

    try (StorageFactory stores = new StorageFactory(s3.s3Settings())) {
      Storage raw = stores.open(StoreUri.parse("s3://" + bucket + "/landing"));
      List<String> keys = raw.list("").stream().map(ObjectInfo::key).toList();
      assertThat(keys).contains("_generator/manifest.json", "raw/locations.csv", "raw/climate_data_2023-01-01.csv",
          "raw/health_data_2023-01-04.csv");
      for (String key : keys) {
        assertThat(raw.readBytes(key)).as(key).isEqualTo(Files.readAllBytes(dir.resolve("raw").resolve(key)));
      }
      GeneratorManifest manifest = raw.readJson(GeneratorManifest.KEY, GeneratorManifest.class);
      assertThat(manifest.dataset(RawDataset.CLIMATE).files()).hasSize(4);
    }

    CliRun refused = CliRun.of(args(s3, "s3://" + bucket + "/landing", options));
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.errLines()).singleElement().asString()
        .startsWith("error: the raw store already holds s3://" + bucket + "/landing/raw/locations.csv;");

    CliRun replaced = CliRun.of(args(s3, "s3://" + bucket + "/landing", "--locations", "2", "--days", "2", "--overwrite"));
    assertThat(replaced.exitCode()).as(replaced.err()).isZero();
    assertThat(replaced.out()).contains("deleted ");
    List<String> after = s3.client().listObjectsV2(b -> b.bucket(bucket).prefix("landing/")).contents().stream()
        .map(o -> o.key()).toList();
    assertThat(after).containsExactlyInAnyOrder("landing/_generator/manifest.json", "landing/raw/locations.csv",
        "landing/raw/climate_data.csv", "landing/raw/health_data.csv", "landing/raw/hospital_data.csv");
  }
}
