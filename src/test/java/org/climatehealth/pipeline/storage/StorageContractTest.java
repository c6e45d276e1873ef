package org.climatehealth.pipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The behaviour every {@link Storage} implementation promises. Subclasses supply an empty store;
 * the same tests run unchanged against local disk and a real S3 API (S3Proxy).
 */
public abstract class StorageContractTest {

  // MD5 values worked out with `printf 'hello' | md5sum` and `printf '' | md5sum`
  static final String MD5_HELLO = "5d41402abc4b2a76b9719d911017c592";
  static final String MD5_EMPTY = "d41d8cd98f00b204e9800998ecf8427e";

  protected Storage storage;

  @TempDir protected Path tempDir;

  /** An empty store, new for each test. */
  protected abstract Storage newStorage();

  /**
   * Whether an object written in one piece is listed with its content MD5 as ETag (S3), or with a
   * version tag of its metadata (local files).
   */
  protected boolean listsContentMd5() {
    return true;
  }

  protected void afterEach() {}

  @BeforeEach
  void setUpStorage() {
    storage = newStorage();
  }

  @AfterEach
  void tearDownStorage() {
    afterEach();
  }

  @Test
  void writtenTextReadsBackAndIsListedWithSizeAndChecksum() {
    Instant before = Instant.now().minus(Duration.ofMinutes(5));
    storage.writeText("raw/hello.txt", "hello");

    assertThat(storage.readText("raw/hello.txt")).isEqualTo("hello");
    assertThat(storage.exists("raw/hello.txt")).isTrue();
    ObjectInfo info = storage.stat("raw/hello.txt").orElseThrow();
    assertThat(info.key()).isEqualTo("raw/hello.txt");
    assertThat(info.size()).isEqualTo(5);
    if (listsContentMd5()) {
      assertThat(info.etag()).isEqualTo(MD5_HELLO);
      assertThat(info.etagIsContentMd5()).isTrue();
    } else {
      assertThat(info.etag()).isNotEmpty().isNotEqualTo(MD5_HELLO);
      assertThat(info.etagIsContentMd5()).isFalse();
    }
    assertThat(storage.list("raw/")).containsExactly(info);
    assertThat(info.lastModified()).isAfter(before).isBefore(Instant.now().plus(Duration.ofMinutes(5)));
    assertThat(storage.checksum("raw/hello.txt")).isEqualTo(MD5_HELLO);
  }

  @Test
  void theEtagChangesWhenTheContentDoesAndStaysWhenNothingIsWritten() {
    storage.writeText("raw/a.csv", "hello");
    String first = storage.stat("raw/a.csv").orElseThrow().etag();

    assertThat(storage.stat("raw/a.csv").orElseThrow().etag()).isEqualTo(first);
    assertThat(storage.list("raw/").get(0).etag()).isEqualTo(first);
    storage.writeText("raw/a.csv", "world");   // the same size
    assertThat(storage.stat("raw/a.csv").orElseThrow().etag()).isNotEqualTo(first);
    assertThat(storage.checksum("raw/a.csv")).isNotEqualTo(MD5_HELLO);
  }

  @Test
  void bytesRoundTripExactlyIncludingEmptyAndNonUtf8Content() {
    byte[] binary = new byte[256];
    for (int i = 0; i < binary.length; i++) {
      binary[i] = (byte) i;
    }
    storage.writeBytes("bin/all-bytes", binary);
    storage.writeBytes("bin/empty", new byte[0]);

    assertThat(storage.readBytes("bin/all-bytes")).isEqualTo(binary);
    assertThat(storage.readBytes("bin/empty")).isEmpty();
    assertThat(storage.stat("bin/empty").orElseThrow().size()).isZero();
    assertThat(storage.checksum("bin/empty")).isEqualTo(MD5_EMPTY);
  }

  @Test
  void writingAgainReplacesTheObject() {
    storage.writeText("a.txt", "first version");
    storage.writeText("a.txt", "hello");

    assertThat(storage.readText("a.txt")).isEqualTo("hello");
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("a.txt");
  }

  @Test
  void anObjectIsInvisibleUntilItsStreamIsClosed() throws IOException {
    OutputStream out = storage.create("staged/part.txt");
    out.write("half of it".getBytes(StandardCharsets.UTF_8));
    out.flush();

    assertThat(storage.exists("staged/part.txt")).isFalse();
    assertThat(storage.list("")).isEmpty();

    out.close();
    assertThat(storage.readText("staged/part.txt")).isEqualTo("half of it");
  }

  @Test
  void aWriterThatFailsPublishesNothingAndKeepsThePreviousVersion() {
    storage.writeText("reports/run.json", "previous");

    assertThatThrownBy(() -> storage.write("reports/run.json", out -> {
      out.write("half a new vers".getBytes(StandardCharsets.UTF_8));
      throw new IOException("disk on fire");
    })).isInstanceOf(StorageException.class).hasMessageContaining("disk on fire")
        .hasMessageContaining("reports/run.json");
    assertThatThrownBy(() -> storage.write("reports/new.json", out -> {
      out.write('{');
      throw new IllegalStateException("serialiser failed");
    })).isInstanceOf(StorageException.class).hasMessageContaining("serialiser failed");

    assertThat(storage.readText("reports/run.json")).isEqualTo("previous");
    assertThat(storage.exists("reports/new.json")).isFalse();
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("reports/run.json");
  }

  @Test
  void anAbortedStreamLeavesNothingBehind() throws IOException {
    AbortableOutputStream out = storage.create("staged/aborted.txt");
    out.write("never published".getBytes(StandardCharsets.UTF_8));
    out.abort();
    out.close(); // a no-op after abort: still nothing published

    assertThat(storage.exists("staged/aborted.txt")).isFalse();
    assertThat(storage.list("")).isEmpty();
  }

  @Test
  void writeStreamsWhatTheWriterWrites() {
    storage.write("w/numbers.txt", out -> {
      for (int i = 0; i < 3; i++) {
        out.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
      }
    });
    assertThat(storage.readText("w/numbers.txt")).isEqualTo("line 0\nline 1\nline 2\n");
  }

  @Test
  void moveReplacesTheTargetAndRemovesTheSource() {
    storage.writeText("_staging/run-1/climate/month=2024-01/part-0.parquet", "hello");
    storage.writeText("processed/climate/month=2024-01/part-0.parquet", "old version");

    storage.move("_staging/run-1/climate/month=2024-01/part-0.parquet", "processed/climate/month=2024-01/part-0.parquet");
    storage.move("processed/climate/month=2024-01/part-0.parquet", "processed/climate/month=2024-02/part-0.parquet");

    assertThat(storage.list("")).extracting(ObjectInfo::key)
        .containsExactly("processed/climate/month=2024-02/part-0.parquet");
    assertThat(storage.checksum("processed/climate/month=2024-02/part-0.parquet")).isEqualTo(MD5_HELLO);
    assertThat(storage.exists("_staging")).isFalse();
    assertThatThrownBy(() -> storage.move("nope", "x")).isInstanceOf(ObjectNotFoundException.class);
  }

  @Test
  void streamsReadWhatWasWritten() throws IOException {
    try (OutputStream out = storage.create("s/stream.bin")) {
      for (int i = 0; i < 1000; i++) {
        out.write(i % 251);
      }
    }
    try (InputStream in = storage.open("s/stream.bin")) {
      byte[] all = in.readAllBytes();
      assertThat(all).hasSize(1000);
      assertThat(all[250] & 0xff).isEqualTo(250);
      assertThat(all[251] & 0xff).isEqualTo(0);
    }
  }

  @Test
  void listIsRecursiveSortedAndFiltersByStringPrefix() {
    storage.writeText("raw/health_data.csv", "h");
    storage.writeText("raw/climate_data_2024-01-02.csv", "c2");
    storage.writeText("raw/climate_data_2024-01-01.csv", "c1");
    storage.writeText("processed/climate/part-0.parquet", "pq");
    storage.writeText("top.txt", "t");

    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly(
        "processed/climate/part-0.parquet",
        "raw/climate_data_2024-01-01.csv",
        "raw/climate_data_2024-01-02.csv",
        "raw/health_data.csv",
        "top.txt");
    assertThat(storage.list("raw/")).extracting(ObjectInfo::key).containsExactly(
        "raw/climate_data_2024-01-01.csv", "raw/climate_data_2024-01-02.csv", "raw/health_data.csv");
    // a prefix is a string prefix, as on S3: it need not end at a folder boundary
    assertThat(storage.list("raw/climate_data")).extracting(ObjectInfo::key).containsExactly(
        "raw/climate_data_2024-01-01.csv", "raw/climate_data_2024-01-02.csv");
    assertThat(storage.list("raw/climate_data_2024-01-02.csv")).extracting(ObjectInfo::size)
        .containsExactly(2L);
    assertThat(storage.list("nothing/here/")).isEmpty();
  }

  @Test
  void existsCoversObjectsAndFoldersButNotPartialNames() {
    storage.writeText("processed/climate/part-0.parquet", "x");

    assertThat(storage.exists("processed/climate/part-0.parquet")).isTrue();
    assertThat(storage.exists("processed/climate")).isTrue();
    assertThat(storage.exists("processed")).isTrue();
    assertThat(storage.exists("processed/clim")).isFalse();
    assertThat(storage.exists("processed/climate/part-0")).isFalse();
    assertThat(storage.stat("processed/climate")).isEmpty();
  }

  @Test
  void aFolderMarkerExistsButIsNotAnObject() {
    storage.createFolder("models/risk");

    assertThat(storage.exists("models/risk")).isTrue();
    assertThat(storage.exists("models")).isTrue();
    assertThat(storage.stat("models/risk")).isEmpty();
    assertThat(storage.list("")).isEmpty();
    assertThat(storage.usage("").objects()).isZero();

    storage.writeText("models/risk/v0001/metadata.json", "{}");
    assertThat(storage.list("models/")).extracting(ObjectInfo::key)
        .containsExactly("models/risk/v0001/metadata.json");
  }

  @Test
  void missingObjectsAreReportedAsNotFound() {
    assertThat(storage.exists("nope.txt")).isFalse();
    assertThat(storage.stat("nope.txt")).isEmpty();
    assertThatThrownBy(() -> storage.open("nope.txt")).isInstanceOf(ObjectNotFoundException.class)
        .hasMessageContaining("nope.txt");
    assertThatThrownBy(() -> storage.readText("dir/nope.txt")).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> storage.checksum("nope.txt")).isInstanceOf(ObjectNotFoundException.class);
    assertThatThrownBy(() -> storage.downloadFile("nope.txt", tempDir.resolve("x")))
        .isInstanceOf(ObjectNotFoundException.class);
    assertThat(tempDir.resolve("x")).doesNotExist();
  }

  @Test
  void deleteRemovesOneObjectAndSaysWhetherItExisted() {
    storage.writeText("d/one.txt", "1");
    storage.writeText("d/two.txt", "2");

    assertThat(storage.delete("d/one.txt")).isTrue();
    assertThat(storage.delete("d/one.txt")).isFalse();
    assertThat(storage.exists("d/one.txt")).isFalse();
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("d/two.txt");

    assertThat(storage.delete("d/two.txt")).isTrue();
    // the folder goes with its last object, as a prefix does on S3
    assertThat(storage.exists("d")).isFalse();
  }

  @Test
  void deletePrefixRemovesEverythingBelowItAndNothingElse() {
    storage.writeText("predictions/date=2024-01-01/part-0.parquet", "a");
    storage.writeText("predictions/date=2024-01-01/part-1.parquet", "b");
    storage.writeText("predictions/date=2024-01-02/part-0.parquet", "c");
    storage.writeText("predictions/date=2024-01-010/part-0.parquet", "d");
    storage.writeText("alerts/date=2024-01-01/part-0.parquet", "e");
    storage.createFolder("predictions/date=2024-01-01/empty");

    assertThat(storage.deletePrefix("predictions/date=2024-01-01/")).isEqualTo(2);

    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly(
        "alerts/date=2024-01-01/part-0.parquet",
        "predictions/date=2024-01-010/part-0.parquet",
        "predictions/date=2024-01-02/part-0.parquet");
    assertThat(storage.exists("predictions/date=2024-01-01")).isFalse();
    assertThat(storage.deletePrefix("nothing/")).isZero();
    assertThat(storage.deletePrefix("")).isEqualTo(3);
    assertThat(storage.list("")).isEmpty();
  }

  @Test
  void jsonRoundTripsRecordsAndMaps() {
    record Model(String name, int version, List<String> features) {}
    storage.writeJson("models/risk/v0001/metadata.json", new Model("risk", 1, List.of("rain", "temp")));

    Model back = storage.readJson("models/risk/v0001/metadata.json", Model.class);
    assertThat(back).isEqualTo(new Model("risk", 1, List.of("rain", "temp")));
    @SuppressWarnings("unchecked")
    Map<String, Object> asMap = storage.readJson("models/risk/v0001/metadata.json", Map.class);
    assertThat(asMap).containsEntry("name", "risk").containsEntry("version", 1);
    assertThat(storage.readText("models/risk/v0001/metadata.json")).contains("\"features\"");
  }

  @Test
  void readingInvalidJsonFailsWithTheLocation() {
    storage.writeText("bad.json", "{not json");
    assertThatThrownBy(() -> storage.readJson("bad.json", Map.class))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("bad.json");
  }

  @Test
  void filesUploadAndDownloadByteForByte() throws IOException {
    Path source = tempDir.resolve("source.csv");
    Files.writeString(source, "date,location_id\n2024-01-01,KA-BLR\n");

    storage.uploadFile(source, "raw/climate_data.csv");
    Path target = tempDir.resolve("out/copy.csv");
    storage.downloadFile("raw/climate_data.csv", target);

    assertThat(target).hasSameBinaryContentAs(source);
    // an ordinary file, as readable as any other the process writes: not a private temp file
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(Files.getPosixFilePermissions(source));
    assertThat(storage.checksum("raw/climate_data.csv")).isEqualTo(Checksums.md5(source));
    // downloading again replaces the file
    storage.writeText("raw/climate_data.csv", "hello");
    storage.downloadFile("raw/climate_data.csv", target);
    assertThat(target).hasContent("hello");
    try (var files = Files.list(target.getParent())) {
      assertThat(files).containsExactly(target);
    }
  }

  @Test
  void usageCountsObjectsAndBytesByTopLevelPrefix() {
    storage.writeText("raw/a.csv", "12345");
    storage.writeText("raw/sub/b.csv", "123");
    storage.writeText("processed/c.parquet", "1234567890");
    storage.writeText("readme.txt", "12");
    storage.createFolder("models");

    StorageUsage all = storage.usage("");
    assertThat(all.objects()).isEqualTo(4);
    assertThat(all.bytes()).isEqualTo(20);
    assertThat(all.byTopLevelPrefix()).containsExactly(
        Map.entry("", new StorageUsage.Totals(1, 2)),
        Map.entry("processed/", new StorageUsage.Totals(1, 10)),
        Map.entry("raw/", new StorageUsage.Totals(2, 8)));

    StorageUsage raw = storage.usage("raw/");
    assertThat(raw.objects()).isEqualTo(2);
    assertThat(raw.bytes()).isEqualTo(8);
    assertThat(raw.byTopLevelPrefix()).containsExactly(
        Map.entry("", new StorageUsage.Totals(1, 5)),
        Map.entry("sub/", new StorageUsage.Totals(1, 3)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"../escape.txt", "raw/../../escape.txt", "/etc/passwd", "raw//double.txt",
      "raw/./x.txt", "raw\\x.txt", ".."})
  void keysThatCouldLeaveTheStoreAreRefusedEverywhere(String key) {
    assertThatThrownBy(() -> storage.writeText(key, "x")).isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("invalid key");
    assertThatThrownBy(() -> storage.readText(key)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.exists(key)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.delete(key)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.list(key)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.deletePrefix(key)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.createFolder(key)).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.createIfAbsent(key, new byte[1])).isInstanceOf(InvalidKeyException.class);
    assertThat(storage.list("")).isEmpty();
  }

  @Test
  void createIfAbsentCreatesOnceAndNeverOverwrites() {
    String key = "models/risk/v0001/_claim.json";

    assertThat(storage.createIfAbsent(key, "hello".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(storage.createIfAbsent(key, "other content".getBytes(StandardCharsets.UTF_8))).isFalse();

    assertThat(storage.readText(key)).isEqualTo("hello");
    assertThat(storage.checksum(key)).isEqualTo(MD5_HELLO);
    assertThat(storage.stat(key).orElseThrow().size()).isEqualTo(5);
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly(key);
  }

  @Test
  void createIfAbsentYieldsToAnObjectWrittenAnyOtherWayAndTakesEmptyContent() {
    storage.writeText("reports/run.json", "hello");

    assertThat(storage.createIfAbsent("reports/run.json", new byte[0])).isFalse();
    assertThat(storage.createIfAbsent("reports/empty.json", new byte[0])).isTrue();

    assertThat(storage.readText("reports/run.json")).isEqualTo("hello");
    assertThat(storage.checksum("reports/empty.json")).isEqualTo(MD5_EMPTY);
    assertThat(storage.list("")).extracting(ObjectInfo::key)
        .containsExactly("reports/empty.json", "reports/run.json");
  }

  @Test
  void ofConcurrentCreatorsOfOneKeyExactlyOneWins() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 5; round++) {
        String key = "claims/round-" + round;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<Boolean>> calls = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          byte[] content = ("thread " + t).getBytes(StandardCharsets.UTF_8);
          calls.add(pool.submit(() -> {
            start.await(30, TimeUnit.SECONDS);
            return storage.createIfAbsent(key, content);
          }));
        }
        List<Integer> winners = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          if (calls.get(t).get(60, TimeUnit.SECONDS)) {
            winners.add(t);
          }
        }
        assertThat(winners).as("winners of %s", key).hasSize(1);
        assertThat(storage.readText(key)).isEqualTo("thread " + winners.get(0));
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(storage.list("claims/")).hasSize(5);
  }

  @Test
  void keysWithSpacesAndUnicodeWork() {
    storage.writeText("raw/district data/Bengaluru Urbän.csv", "hello");
    assertThat(storage.readText("raw/district data/Bengaluru Urbän.csv")).isEqualTo("hello");
    assertThat(storage.list("raw/district data/")).extracting(ObjectInfo::key)
        .containsExactly("raw/district data/Bengaluru Urbän.csv");
  }
}
