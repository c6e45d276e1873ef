package org.climatehealth.pipeline.storage;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;

/**
 * Writes an object to a local staging file, counting bytes and hashing as it goes, and publishes
 * it on close through {@link #publish}; {@link #abort()} discards it. The staging file is deleted
 * either way.
 */
abstract class StagedFileOutputStream extends AbortableOutputStream {
  private final Path staging;
  private final DigestOutputStream out;
  private long size;
  private boolean done;

  StagedFileOutputStream(Path staging) throws IOException {
    this.staging = staging;
    try {
      this.out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(staging), 1 << 16),
          Checksums.newMd5());
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(staging);
      throw e;
    }
  }

  /** Makes the complete staging file visible at its key. */
  protected abstract void publish(Path staging, long size, String md5Hex) throws IOException;

  /** Where this stream goes, for messages. */
  protected abstract String target();

  @Override
  public void write(int b) throws IOException {
    ensureOpen();
    out.write(b);
    size++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    ensureOpen();
    out.write(b, off, len);
    size += len;
  }

  @Override
  public void flush() throws IOException {
    ensureOpen();
    out.flush();
  }

  @Override
  public void close() throws IOException {
    if (done) {
      return;
    }
    done = true;
    try {
      out.close();
      publish(staging, size, Checksums.hex(out.getMessageDigest()));
    } finally {
      Files.deleteIfExists(staging);
    }
  }

  @Override
  public void abort() {
    if (done) {
      return;
    }
    done = true;
    try {
      out.close();
    } catch (IOException ignored) {
      // discarded anyway
    }
    try {
      Files.deleteIfExists(staging);
    } catch (IOException e) {
      throw new StorageException("cannot discard staging file " + staging + " of " + target() + ": " + e, e);
    }
  }

  private void ensureOpen() throws IOException {
    if (done) {
      throw new IOException("stream to " + target() + " is closed");
    }
  }

}
