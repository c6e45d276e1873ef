package org.climatehealth.pipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.climatehealth.pipeline.config.S3Settings;
import org.climatehealth.pipeline.testing.S3ProxyExtension;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The storage contract on a real S3 API (S3Proxy), for a store under a key prefix, with
 * neighbouring objects outside the store that must never be seen or touched; the nested class
 * runs it again at a bucket root. S3-only tests cover multipart transfers and checksums.
 */
@ExtendWith(S3ProxyExtension.class)
class S3StorageIT extends StorageContractTest {
  private static final String STORE_PREFIX = "some/prefix";
  /** Outside the store, but sharing its prefix as a string: a listing bug would catch them. */
  private static final List<String> NEIGHBOURS = List.of("some/prefix-neighbour.txt", "some/prefix0/x.txt", "outside.txt");

  private static S3ProxyServer server;
  private static S3Clients clients;
  private String bucket;

  @BeforeAll
  static void connect(S3ProxyServer s3proxy) {
    server = s3proxy;
    clients = new S3Clients(s3proxy.s3Settings());
  }

  @AfterAll
  static void disconnect() {
    clients.close();
  }

  @Override
  protected Storage newStorage() {
    bucket = server.newBucket();
    for (String key : NEIGHBOURS) {
      server.client().putObject(b -> b.bucket(bucket).key(key), RequestBody.fromString("neighbour"));
    }
    return new S3Storage(StoreUri.parse("s3://" + bucket + "/" + STORE_PREFIX), clients);
  }

  @Override
  protected void afterEach() {
    for (String key : NEIGHBOURS) {
      assertThat(server.client().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String())
          .as("object %s outside the store", key)
          .isEqualTo("neighbour");
    }
  }

  @Test
  void objectsLiveUnderTheStorePrefixAndAreListedWithoutIt() {
    storage.writeText("raw/a.csv", "hello");

    assertThat(server.client().getObjectAsBytes(b -> b.bucket(bucket).key(STORE_PREFIX + "/raw/a.csv"))
        .asUtf8String()).isEqualTo("hello");
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("raw/a.csv");
    assertThat(storage.uri()).hasToString("s3://" + bucket + "/" + STORE_PREFIX);
  }

  @Test
  void singlePartObjectsHaveTheContentMd5AsETag() {
    storage.writeText("one-piece.txt", "hello");

    HeadObjectResponse head = server.client().headObject(b -> b.bucket(bucket).key(STORE_PREFIX + "/one-piece.txt"));
    assertThat(head.eTag()).isEqualTo("\"" + MD5_HELLO + "\"");
    assertThat(head.metadata()).containsEntry(S3Storage.MD5_METADATA, MD5_HELLO);
    assertThat(storage.stat("one-piece.txt").orElseThrow().etag()).isEqualTo(MD5_HELLO);
    assertThat(storage.list("")).singleElement().satisfies(info -> assertThat(info.etagIsContentMd5()).isTrue());
  }

  @Test
  void largeFilesUploadInPartsCarryTheirMd5AndDownloadByteForByte() throws IOException {
    Path source = randomFile("large.bin", 12 * 1024 * 1024 + 17);
    String md5 = md5(Files.readAllBytes(source));

    storage.uploadFile(source, "models/big.bin");

    ObjectInfo info = storage.stat("models/big.bin").orElseThrow();
    assertThat(info.size()).isEqualTo(Files.size(source));
    assertThat(info.etagIsContentMd5()).as("multipart ETag %s", info.etag()).isFalse();
    assertThat(info.etag()).endsWith("-3"); // 5 MiB parts: 5 + 5 + 2
    assertThat(server.client().headObject(b -> b.bucket(bucket).key(STORE_PREFIX + "/models/big.bin")).metadata())
        .containsEntry(S3Storage.MD5_METADATA, md5);
    assertThat(storage.checksum("models/big.bin")).isEqualTo(md5);

    Path target = tempDir.resolve("download/big.bin");
    storage.downloadFile("models/big.bin", target);
    assertThat(target).hasSameBinaryContentAs(source);
    try (var files = Files.list(target.getParent())) {
      assertThat(files).containsExactly(target); // no partial file left behind
    }
  }

  @Test
  void largeStreamsAreSpooledAndUploadedInPartsOnClose() throws IOException {
    byte[] content = new byte[6 * 1024 * 1024 + 3];
    new Random(7).nextBytes(content);

    Set<Path> before = spoolFiles();
    OutputStream out = storage.create("processed/big.parquet");
    out.write(content);
    assertThat(storage.exists("processed/big.parquet")).isFalse();
    Set<Path> spooling = new HashSet<>(spoolFiles());
    spooling.removeAll(before);
    assertThat(spooling).as("this stream's spool file").hasSize(1);
    out.close();
    assertThat(spooling.iterator().next()).as("spool file after close").doesNotExist();

    assertThat(storage.stat("processed/big.parquet").orElseThrow().etag()).endsWith("-2");
    assertThat(storage.checksum("processed/big.parquet")).isEqualTo(md5(content));
    assertThat(storage.readBytes("processed/big.parquet")).isEqualTo(content);
  }

  @Test
  void anAbortedStreamDeletesItsSpoolFileAndUploadsNothing() throws IOException {
    Set<Path> before = spoolFiles();
    AbortableOutputStream out = storage.create("processed/aborted.parquet");
    out.write(new byte[1024]);
    Set<Path> spooling = new HashSet<>(spoolFiles());
    spooling.removeAll(before);
    assertThat(spooling).hasSize(1);

    out.abort();

    assertThat(spooling.iterator().next()).doesNotExist();
    assertThat(storage.exists("processed/aborted.parquet")).isFalse();
  }

  @Test
  void deletePrefixDeletesMoreThanOneBatchOfAThousand() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> puts = new ArrayList<>();
      for (int i = 0; i < 1003; i++) {
        String key = String.format("many/part-%04d", i);
        puts.add(pool.submit(() -> storage.writeText(key, "x")));
      }
      for (Future<?> put : puts) {
        put.get();
      }
    } finally {
      pool.shutdown();
    }
    storage.createFolder("many/marker");
    storage.writeText("other.txt", "kept");

    assertThat(storage.usage("many/").objects()).isEqualTo(1003);
    assertThat(storage.deletePrefix("many/")).isEqualTo(1003);
    assertThat(storage.exists("many")).isFalse();
    assertThat(storage.list("")).extracting(ObjectInfo::key).containsExactly("other.txt");
  }

  @Test
  void checksumOfAForeignMultipartObjectWithoutMetadataIsComputedFromItsContent() {
    byte[] content = new byte[5 * 1024 * 1024 + 1];
    new Random(11).nextBytes(content);
    uploadInTwoPartsWithoutMetadata(STORE_PREFIX + "/foreign.bin", content);

    assertThat(storage.stat("foreign.bin").orElseThrow().etagIsContentMd5()).isFalse();
    assertThat(storage.checksum("foreign.bin")).isEqualTo(md5(content));
  }

  @Test
  void checksumOfAForeignSinglePartObjectIsItsETag() {
    server.client().putObject(b -> b.bucket(bucket).key(STORE_PREFIX + "/plain.txt"), RequestBody.fromString("hello"));

    assertThat(storage.checksum("plain.txt")).isEqualTo(MD5_HELLO);
  }

  @Test
  void aMissingBucketFailsWithItsLocationAndNoCredentials() {
    Storage missing = new S3Storage(StoreUri.parse("s3://no-such-bucket-" + bucket + "/p"), clients);

    assertThatThrownBy(() -> missing.list(""))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("s3://no-such-bucket-" + bucket + "/p")
        .hasMessageContaining("does not exist")
        .hasMessageNotContaining(server.secretKey())
        .hasMessageNotContaining(server.accessKey());
  }

  @Test
  void anUnreachableEndpointFailsWithTheLocation() {
    var settings = new S3Settings(Optional.of(URI.create("http://127.0.0.1:1")), true, "us-east-1", 1 << 20, 1 << 20, 1);
    try (S3Clients unreachable = new S3Clients(settings)) {
      Storage store = new S3Storage(StoreUri.parse("s3://" + bucket), unreachable);
      assertThatThrownBy(() -> store.stat("x.txt"))
          .isInstanceOf(StorageException.class)
          .hasMessageStartingWith("cannot stat s3://" + bucket + "/x.txt: ")
          .hasMessageNotContaining(server.secretKey());
    }
  }

  /** The same contract at the root of a bucket. */
  @Nested
  class AtBucketRoot extends StorageContractTest {
    @Override
    protected Storage newStorage() {
      return new S3Storage(StoreUri.parse("s3://" + server.newBucket()), clients);
    }
  }

  // ----- helpers -----

  private void uploadInTwoPartsWithoutMetadata(String key, byte[] content) {
    S3Client s3 = server.client();
    String uploadId = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
    int split = 5 * 1024 * 1024;
    String etag1 = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(1),
        RequestBody.fromBytes(Arrays.copyOfRange(content, 0, split))).eTag();
    String etag2 = s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(uploadId).partNumber(2),
        RequestBody.fromBytes(Arrays.copyOfRange(content, split, content.length))).eTag();
    s3.completeMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(u -> u.parts(
        CompletedPart.builder().partNumber(1).eTag(etag1).build(),
        CompletedPart.builder().partNumber(2).eTag(etag2).build())));
  }

  private static Set<Path> spoolFiles() throws IOException {
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("s3-upload-")).collect(Collectors.toSet());
    }
  }

  private Path randomFile(String name, int size) throws IOException {
    byte[] content = new byte[size];
    new Random(42).nextBytes(content);
    return Files.write(tempDir.resolve(name), content);
  }

  private static String md5(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
