package org.climatehealth.pipeline.migrate;

import org.climatehealth.pipeline.UsageError;

/** The migrate source is not a project tree: a usage error (exit 2). */
public class MigrationSourceException extends RuntimeException implements UsageError {
  private static final long serialVersionUID = 1L;

  public MigrationSourceException(String message) {
    super(message);
  }
}
