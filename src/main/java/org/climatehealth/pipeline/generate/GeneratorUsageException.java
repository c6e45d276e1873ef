package org.climatehealth.pipeline.generate;

import org.climatehealth.pipeline.UsageError;

/** A generator request that cannot be done as asked: a bad parameter, or raw data in the way (exit 2). */
public final class GeneratorUsageException extends RuntimeException implements UsageError {
  private static final long serialVersionUID = 1L;

  public GeneratorUsageException(String message) {
    super(message);
  }
}
