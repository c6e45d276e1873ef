package org.climatehealth.pipeline.storage;

import org.climatehealth.pipeline.UsageError;

/** A key that is not a plain relative key inside its store (absolute, {@code ..}, empty segment). */
public class InvalidKeyException extends StorageException implements UsageError {
  private static final long serialVersionUID = 1L;

  public InvalidKeyException(String message) {
    super(message);
  }
}
