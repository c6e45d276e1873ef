package org.climatehealth.pipeline.registry;

import org.climatehealth.pipeline.UsageError;

/**
 * A registry request the caller got wrong: a malformed model name or version, or a status change
 * the registry refuses (approving a model that missed its quality gate). Exit code 2.
 */
public class RegistryUsageException extends RuntimeException implements UsageError {
  private static final long serialVersionUID = 1L;

  public RegistryUsageException(String message) {
    super(message);
  }
}
