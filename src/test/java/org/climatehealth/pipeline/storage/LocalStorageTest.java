package org.climatehealth.pipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;

/** The storage contract on local disk, plus what only a directory tree can show. */
class LocalStorageTest extends StorageContractTest {

  private Path root;

  @Override
  protected Storage newStorage() {
    root = tempDir.resolve("store");
    return new LocalStorage(StoreUri.local(root));
  }

  @Override
  protected boolean listsContentMd5() {
    return false;
  }

  @Test
  void theEtagIsAVersionTagOfTheMetadataThatAnyChangeOfTheFileMoves() throws IOException {
    storage.writeText("raw/a.csv", "hello");
    Path file = root.resolve("raw/a.csv");
    ObjectInfo first = storage.stat("raw/a.csv").orElseThrow();
    assertThat(first.etag()).matches("[0-9a-f]{16}");
    assertThat(first.etagIsContentMd5()).isFalse();

    // the same bytes written again: another version (S3 would give the same MD5)
    storage.writeText("raw/a.csv", "hello");
    String rewritten = storage.stat("raw/a.csv").orElseThrow().etag();
    assertThat(rewritten).isNotEqualTo(first.etag());

    // changed in place by another program, same size, modification time set back: still another
    FileTime modified = Files.getLastModifiedTime(file);
    Files.writeString(file, "jello");
    Files.setLastModifiedTime(file, modified);
    assertThat(storage.stat("raw/a.csv").orElseThrow().etag()).isNotEqualTo(rewritten);
    assertThat(storage.checksum("raw/a.csv")).isEqualTo(Checksums.md5(file)).isNotEqualTo(MD5_HELLO);
  }

  @Test
  void symbolicLinksThatLeadOutOfTheStoreAreRefusedForListingReadingAndWriting() throws IOException {
    Path outside = Files.createDirectories(tempDir.resolve("outside"));
    Files.writeString(outside.resolve("secret.csv"), "secret");
    storage.writeText("raw/x.csv", "x");
    Files.createSymbolicLink(root.resolve("raw/linked.csv"), outside.resolve("secret.csv"));
    Files.createSymbolicLink(root.resolve("out"), outside);

    assertThatThrownBy(() -> storage.list("raw/")).isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("raw/linked.csv").hasMessageContaining("leads out of the store");
    assertThatThrownBy(() -> storage.readText("raw/linked.csv")).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.readText("out/secret.csv")).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.writeText("out/new.csv", "n")).isInstanceOf(InvalidKeyException.class);
    assertThatThrownBy(() -> storage.list("")).isInstanceOf(InvalidKeyException.class);
    assertThat(outside.resolve("new.csv")).doesNotExist();
    assertThat(outside.resolve("secret.csv")).hasContent("secret");
  }

  @Test
  void symbolicLinksInsideTheStoreAndDanglingOnes() throws IOException {
    storage.writeText("raw/x.csv", "x");
    Files.createSymbolicLink(root.resolve("raw/alias.csv"), root.resolve("raw/x.csv"));
    assertThat(storage.readText("raw/alias.csv")).isEqualTo("x");
    assertThat(storage.list("raw/")).extracting(ObjectInfo::key).containsExactly("raw/alias.csv", "raw/x.csv");

    Files.createSymbolicLink(root.resolve("raw/gone.csv"), tempDir.resolve("nowhere.csv"));
    assertThatThrownBy(() -> storage.readText("raw/gone.csv")).isInstanceOf(InvalidKeyException.class)
        .hasMessageContaining("leads nowhere");
  }

  @Test
  void aRootFolderTheStoreCreatedGoesWhenItIsEmptyAgainAPreExistingOneStays() throws IOException {
    storage.writeText("_lease/run.json", "{}");
    storage.delete("_lease/run.json");
    assertThat(root).doesNotExist();

    Path existing = Files.createDirectories(tempDir.resolve("existing"));
    Storage store = new LocalStorage(StoreUri.local(existing));
    store.writeText("_lease/run.json", "{}");
    store.delete("_lease/run.json");
    assertThat(existing).isEmptyDirectory();
  }

  @Test
  void objectsAreFilesBelowTheRoot() {
    storage.writeText("raw/x.csv", "hello");
    assertThat(root.resolve("raw/x.csv")).hasContent("hello");
    assertThat(storage.uri()).isEqualTo(StoreUri.local(root));
  }

  @Test
  void inFlightWritesLeaveOnlyAHiddenTemporaryFileThatIsNeverListed() throws IOException {
    OutputStream out = storage.create("raw/x.csv");
    out.write(1);
    try (var files = Files.list(root.resolve("raw"))) {
      assertThat(files).singleElement()
          .satisfies(p -> assertThat(p.getFileName().toString()).startsWith(LocalStorage.TEMP_MARKER));
    }
    assertThat(storage.list("")).isEmpty();
    assertThat(storage.usage("").objects()).isZero();
    out.close();
    try (var files = Files.list(root.resolve("raw"))) {
      assertThat(files).containsExactly(root.resolve("raw/x.csv"));
    }
  }

  @Test
  void anAbortedWriteRemovesItsTemporaryFile() throws IOException {
    storage.writeText("raw/keep.csv", "keep");
    AbortableOutputStream out = storage.create("raw/x.csv");
    out.write(1);
    out.abort();
    try (var files = Files.list(root.resolve("raw"))) {
      assertThat(files).containsExactly(root.resolve("raw/keep.csv"));
    }
  }

  @Test
  void objectsAreCreatedLikeOtherFilesNotPrivateTempFiles() throws IOException {
    storage.writeText("raw/x.csv", "x");
    storage.uploadFile(Files.writeString(tempDir.resolve("up.csv"), "u"), "raw/up.csv");
    Path plain = Files.writeString(tempDir.resolve("plain.txt"), "p");
    assertThat(Files.getPosixFilePermissions(root.resolve("raw/x.csv")))
        .isEqualTo(Files.getPosixFilePermissions(plain));
    assertThat(Files.getPosixFilePermissions(root.resolve("raw/up.csv")))
        .isEqualTo(Files.getPosixFilePermissions(plain));
  }
}
