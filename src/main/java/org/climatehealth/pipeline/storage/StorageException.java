package org.climatehealth.pipeline.storage;

/** A storage operation failed. Unchecked: job code does not handle I/O failures one by one. */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message) {
    super(message);
  }

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }
}
