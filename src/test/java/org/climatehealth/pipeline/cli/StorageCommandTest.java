package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The storage command on local stores, run in process exactly as main runs it. */
class StorageCommandTest {

  @TempDir Path dir;
  private Path raw;
  private Path processed;

  @BeforeEach
  void stores() throws IOException {
    raw = dir.resolve("raw-bucket");
    processed = dir.resolve("processed-bucket");
    Files.createDirectories(raw.resolve("raw"));
    Files.writeString(raw.resolve("raw/climate_data.csv"), "date,location_id\n");         // 17 bytes
    Files.writeString(raw.resolve("raw/health_data.csv"), "date\n");                      // 5 bytes
    Files.writeString(raw.resolve("readme.txt"), "hello");                                // 5 bytes
  }

  private CliRun run(String... args) {
    return CliRun.of(withStores(args));
  }

  private String[] withStores(String... args) {
    String[] all = new String[args.length + 6];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--conf";
    all[args.length + 1] = "pipeline.stores.raw=file:" + raw;
    all[args.length + 2] = "--conf";
    all[args.length + 3] = "pipeline.stores.processed=file:" + processed;
    all[args.length + 4] = "--conf";
    all[args.length + 5] = "pipeline.stores.models=file:" + dir.resolve("models-bucket");
    return all;
  }

  @Test
  void statsCountsEveryStoreByTopLevelPrefix() {
    CliRun result = run("storage", "stats");

    assertThat(result.exitCode()).isZero();
    assertThat(result.outLines()).containsExactly(
        "raw        file:" + raw + ": 3 objects, 27 B (27 bytes)",
        "  (top level)                           1 object            5 B",
        "  raw/                                  2 objects          22 B",
        "processed  file:" + processed + ": 0 objects, 0 B (0 bytes)",
        "models     file:" + dir.resolve("models-bucket") + ": 0 objects, 0 B (0 bytes)");
  }

  @Test
  void statsAsJsonForOnePrefix() {
    CliRun result = run("storage", "stats", "--json", "raw:raw/");

    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).contains("\"objects\" : 2").contains("\"bytes\" : 22")
        .contains("\"uri\" : \"file:" + raw.resolve("raw") + "\"");
  }

  @Test
  void lsListsObjectsWithSizeAndEtag() {
    CliRun result = run("storage", "ls", "raw:raw");

    assertThat(result.exitCode()).isZero();
    assertThat(result.outLines()).hasSize(3);
    // a local file's ETag: the version tag of its metadata (the content MD5 would need a full read)
    String etag = new org.climatehealth.pipeline.storage.LocalStorage(
        org.climatehealth.pipeline.storage.StoreUri.local(raw)).stat("readme.txt").orElseThrow().etag();
    assertThat(etag).matches("[0-9a-f]{16}");
    assertThat(run("storage", "ls", "raw:readme.txt").outLines().get(0)).contains(" 5  " + etag + " ")
        .endsWith("  file:" + raw.resolve("readme.txt"));
    assertThat(result.outLines().get(0)).contains(" 17  ").endsWith("file:" + raw.resolve("raw/climate_data.csv"));
    assertThat(result.outLines().get(2)).isEqualTo("2 objects, 22 B");
  }

  @Test
  void lsTakesFileUrisToo() {
    CliRun result = CliRun.of("storage", "ls", "file:" + raw.resolve("raw"));
    assertThat(result.exitCode()).isZero();
    assertThat(result.outLines()).last().isEqualTo("2 objects, 22 B");
  }

  @Test
  void existsAnswersWithItsExitCode() {
    CliRun yes = run("storage", "exists", "raw:raw/climate_data.csv");
    CliRun folder = run("storage", "exists", "raw:raw");
    CliRun no = run("storage", "exists", "raw:raw/nothing.csv");

    assertThat(yes.exitCode()).isZero();
    assertThat(yes.out()).isEqualTo("true\n");
    assertThat(folder.exitCode()).isZero();
    assertThat(no.exitCode()).isEqualTo(1);
    assertThat(no.out()).isEqualTo("false\n");
  }

  @Test
  void catWritesTheObjectToStdout() {
    CliRun result = CliRun.capturingStdout(withStores("storage", "cat", "raw:raw/climate_data.csv"));
    assertThat(result.exitCode()).isZero();
    assertThat(result.out()).isEqualTo("date,location_id\n");
  }

  @Test
  void catOfAMissingObjectFailsAtRunTimeWithOneLine() {
    CliRun result = run("storage", "cat", "raw:raw/missing.csv");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.errLines()).containsExactly("error: no such object: file:" + raw.resolve("raw/missing.csv"));
  }

  @Test
  void mkdirRmAndRecursiveRm() {
    assertThat(run("storage", "mkdir", "processed:processed/climate").exitCode()).isZero();
    assertThat(processed.resolve("processed/climate")).isDirectory();

    CliRun folder = run("storage", "rm", "raw:raw");
    assertThat(folder.exitCode()).isEqualTo(2);
    assertThat(folder.errLines().get(0)).contains("is a folder: use --recursive");

    CliRun one = run("storage", "rm", "raw:readme.txt");
    assertThat(one.exitCode()).isZero();
    assertThat(raw.resolve("readme.txt")).doesNotExist();

    CliRun all = run("storage", "rm", "-r", "raw:raw");
    assertThat(all.exitCode()).isZero();
    assertThat(all.out()).startsWith("deleted 2 objects under");
    assertThat(raw.resolve("raw")).doesNotExist();

    CliRun missing = run("storage", "rm", "raw:raw/climate_data.csv");
    assertThat(missing.exitCode()).isEqualTo(1);
  }

  @Test
  void emptyingAWholeStoreNeedsForce() {
    CliRun refused = run("storage", "rm", "-r", "raw:");
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(raw.resolve("readme.txt")).exists();

    CliRun forced = run("storage", "rm", "-r", "--force", "raw:");
    assertThat(forced.exitCode()).isZero();
    assertThat(forced.out()).startsWith("deleted 3 objects");
  }

  @Test
  void keysThatLeaveTheStoreAreUsageErrorsWithOneLineAndNoStackTrace() {
    for (String location : new String[] {"raw:../outside.txt", "raw:raw/../../outside.txt",
        "file:" + raw + "/../outside.txt", "s3://bucket/../x"}) {
      CliRun result = run("storage", "cat", location);
      assertThat(result.exitCode()).as(location).isEqualTo(2);
      assertThat(result.errLines()).as(location).hasSize(1);
      assertThat(result.errLines().get(0)).startsWith("error: invalid key").contains("'..' segments are refused");
    }
  }

  @Test
  void malformedLocationsAndStoreUrisAreUsageErrors() {
    CliRun location = run("storage", "ls", "ftp://host/x");
    assertThat(location.exitCode()).isEqualTo(2);
    assertThat(location.errLines()).containsExactly("error: malformed location 'ftp://host/x': expected raw:KEY, "
        + "processed:KEY, models:KEY, s3://BUCKET/KEY or file:PATH");

    CliRun store = CliRun.of("storage", "stats", "--conf", "pipeline.stores.raw=s3//raw");
    assertThat(store.exitCode()).isEqualTo(2);
    assertThat(store.errLines()).containsExactly("error: bad pipeline.stores.raw (set in --conf pipeline.stores.raw): "
        + "malformed store URI 's3//raw': expected file:PATH or s3://BUCKET[/PREFIX]");
  }

  @Test
  void anUnknownEnvironmentIsAUsageErrorNamingTheAvailableOnes() {
    CliRun result = CliRun.of("storage", "stats", "--env", "staging");
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.errLines()).hasSize(1);
    assertThat(result.errLines().get(0)).startsWith("error: unknown environment 'staging'")
        .endsWith("available: aws, local");
  }

  @Test
  void verboseAddsTheStackTraceAfterTheErrorLine() {
    CliRun result = run("storage", "cat", "raw:missing.csv", "--verbose");
    assertThat(result.exitCode()).isEqualTo(1);
    assertThat(result.errLines().get(0)).startsWith("error: no such object");
    assertThat(result.err()).contains("ObjectNotFoundException").contains("\tat ");
  }
}
