package org.climatehealth.pipeline.scripts;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.ScriptRun;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code scripts/pipeline} as users run it: a child process with the built jar and the full
 * runtime classpath, against a real S3 API (S3Proxy) and against local disk with no server.
 */
@ExtendWith(S3ProxyExtension.class)
class PipelineScriptIT {

  private static S3ProxyServer s3;

  @TempDir Path workDir;

  @BeforeAll
  static void server(S3ProxyServer server) {
    s3 = server;
  }

  /** Runs scripts/pipeline in {@code workDir}, with the S3 test credentials in the environment only. */
  private ScriptRun pipeline(String... args) {
    return pipeline(true, args);
  }

  private ScriptRun pipeline(boolean credentials, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ScriptRun.HOME.resolve("scripts/pipeline").toString());
    command.addAll(List.of(args));
    Map<String, String> env = new HashMap<>(Map.of("PIPELINE_JAVA_OPTS", "-Xmx512m"));
    if (credentials) {
      env.put("AWS_ACCESS_KEY_ID", s3.accessKey());
      env.put("AWS_SECRET_ACCESS_KEY", s3.secretKey());
    }
    return ScriptRun.run(workDir, env, Duration.ofSeconds(120), command);
  }

  private String[] s3Options(String... rest) {
    List<String> all = new ArrayList<>(List.of(rest));
    all.addAll(List.of("--conf", "pipeline.s3.endpoint=" + s3.endpoint(), "--conf", "pipeline.s3.path-style-access=true"));
    return all.toArray(String[]::new);
  }

  private void put(String bucket, String key, String content) {
    s3.client().putObject(PutObjectRequest.builder().bucket(bucket).key(key).build(), RequestBody.fromString(content));
  }

  @Test
  void storageStatsAgainstS3() throws Exception {
    if (s3.client().listBuckets().buckets().stream().noneMatch(b -> b.name().equals("raw"))) {
      s3.createBucket("raw");
    }
    s3.client().listObjectsV2(b -> b.bucket("raw")).contents().stream().map(S3Object::key)
        .forEach(k -> s3.client().deleteObject(d -> d.bucket("raw").key(k)));
    put("raw", "raw/climate_data.csv", "date,location_id\n");   // 17 bytes
    put("raw", "raw/health_data.csv", "date\n");                // 5 bytes
    put("raw", "manifest.json", "{}");                          // 2 bytes

    ScriptRun run = pipeline(s3Options("storage", "stats", "--conf", "pipeline.stores.raw=s3://raw"));

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains(
        "raw        s3://raw: 3 objects, 24 B (24 bytes)\n"
            + "  (top level)                           1 object            2 B\n"
            + "  raw/                                  2 objects          22 B\n");
    // the other stores stay on local disk, relative to the working directory
    assertThat(run.out()).contains("processed  file:" + workDir.toRealPath().resolve("data/processed-bucket") + ": 0 objects");
    assertThat(run.err()).doesNotContain(s3.secretKey());
  }

  @Test
  void aServerWithoutAuthorizationNeedsNoCredentials() throws Exception {
    try (S3ProxyServer open = S3ProxyServer.startWithoutAuthorization()) {
      open.createBucket("raw");
      open.client().putObject(PutObjectRequest.builder().bucket("raw").key("raw/locations.csv").build(),
          RequestBody.fromString("location_id\n")); // 12 bytes

      ScriptRun run = pipeline(false, "storage", "stats", "raw", "--conf", "pipeline.stores.raw=s3://raw",
          "--conf", "pipeline.s3.endpoint=" + open.endpoint(), "--conf", "pipeline.s3.path-style-access=true");

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out()).startsWith("raw        s3://raw: 1 object, 12 B (12 bytes)\n");
    }
  }

  @Test
  void storageStatsOnLocalDiskNeedsNoServer() throws Exception {
    Files.createDirectories(workDir.resolve("data/raw-bucket/raw"));
    Files.writeString(workDir.resolve("data/raw-bucket/raw/locations.csv"), "location_id\n"); // 12 bytes

    ScriptRun run = pipeline("storage", "stats", "--conf", "pipeline.stores.raw=file:data/raw-bucket",
        "--conf", "pipeline.s3.endpoint=http://127.0.0.1:1");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("raw        file:" + workDir.toRealPath().resolve("data/raw-bucket")
        + ": 1 object, 12 B (12 bytes)\n");
  }

  @Test
  void migrateToS3CopiesOnceThenNothingAndADryRunWritesNothing() throws Exception {
    String raw = s3.newBucket();
    String processed = s3.newBucket();
    String models = s3.newBucket();
    Path seed = workDir.resolve("seed");
    Files.createDirectories(seed.resolve("data/raw"));
    Files.createDirectories(seed.resolve("models/risk"));
    Files.writeString(seed.resolve("data/raw/climate_data.csv"), "date,location_id\n");   // 17 bytes
    byte[] large = new byte[6 * 1024 * 1024 + 3];                                         // above the 5M threshold: multipart
    for (int i = 0; i < large.length; i++) {
      large[i] = (byte) (i * 31 + i / 4096);
    }
    Files.write(seed.resolve("models/risk/model.bin"), large);
    String[] migrate = s3Options("migrate", "--source", seed.toString(),
        "--conf", "pipeline.stores.raw=s3://" + raw, "--conf", "pipeline.stores.processed=s3://" + processed,
        "--conf", "pipeline.stores.models=s3://" + models,
        "--conf", "pipeline.s3.multipart-threshold=5M", "--conf", "pipeline.s3.multipart-part-size=5M");

    List<String> dryRun = new ArrayList<>(List.of(migrate));
    dryRun.add("--dry-run");
    ScriptRun dry = pipeline(dryRun.toArray(String[]::new));
    assertThat(dry.exitCode()).as(dry.err()).isZero();
    assertThat(dry.out()).contains("would copy data/raw/climate_data.csv -> s3://" + raw + "/raw/climate_data.csv (17 B)");
    assertThat(s3.client().listObjectsV2(b -> b.bucket(raw)).contents()).isEmpty();
    assertThat(s3.client().listObjectsV2(b -> b.bucket(models)).contents()).isEmpty();

    ScriptRun first = pipeline(migrate);
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(first.out()).contains("migrate: copied 2 files (6.0 MiB), skipped 0 identical (0 B), failed 0\n");
    assertThat(s3.client().getObjectAsBytes(b -> b.bucket(models).key("models/risk/model.bin")).asByteArray())
        .isEqualTo(large);
    // the large file went up in parts: its ETag is not its MD5, yet the second run knows it is identical
    assertThat(s3.client().headObject(b -> b.bucket(models).key("models/risk/model.bin")).eTag()).contains("-");

    ScriptRun second = pipeline(migrate);
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(second.out()).contains("migrate: copied 0 files (0 B), skipped 2 identical (6.0 MiB), failed 0\n");
    // the run reports went to the processed bucket, not into the migrated tree
    assertThat(s3.client().listObjectsV2(b -> b.bucket(processed).prefix("_runs/migrate/")).contents()).hasSize(2);
  }

  @Test
  void usageErrorsExit2WithOneClearLineAndNoStackTrace() throws Exception {
    ScriptRun escape = pipeline("storage", "cat", "raw:../../etc/passwd");
    ScriptRun env = pipeline("storage", "stats", "--env", "production");
    ScriptRun uri = pipeline("storage", "stats", "--conf", "pipeline.stores.raw=s3:/raw");

    for (ScriptRun run : List.of(escape, env, uri)) {
      assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
      assertThat(run.errLines()).as(run.err()).hasSize(1);
      assertThat(run.err()).doesNotContain("Exception").doesNotContain("\tat ");
      assertThat(run.out()).isEmpty();
    }
    assertThat(escape.errLines().get(0))
        .isEqualTo("error: invalid key '../../etc/passwd': '..' segments are refused; a key cannot leave its store");
    assertThat(env.errLines().get(0)).startsWith("error: unknown environment 'production'")
        .endsWith("available: aws, local");
    assertThat(uri.errLines().get(0)).isEqualTo("error: bad pipeline.stores.raw (set in --conf pipeline.stores.raw): "
        + "malformed store URI 's3:/raw': expected file:PATH or s3://BUCKET[/PREFIX]");
  }
}
