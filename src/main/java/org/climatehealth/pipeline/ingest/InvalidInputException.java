package org.climatehealth.pipeline.ingest;

import org.climatehealth.pipeline.UsageError;

/** Input that breaks the contract (a required column missing, an unreadable header): exit 2. */
public class InvalidInputException extends RuntimeException implements UsageError {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
