package org.climatehealth.pipeline.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The storage contract on local disk, plus what only a directory tree can show. */
class LocalStorageTest extends StorageContractTest {

  private Path root;

  @Override
  protected Storage newStorage() {
    root = tempDir.resolve("store");
    return new LocalStorage(StoreUri.local(root));
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
