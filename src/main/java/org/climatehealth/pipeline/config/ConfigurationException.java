package org.climatehealth.pipeline.config;

import org.climatehealth.pipeline.UsageError;

/** The configuration is invalid: an unknown profile, a missing or malformed key. Exit code 2. */
public class ConfigurationException extends RuntimeException implements UsageError {
  private static final long serialVersionUID = 1L;

  public ConfigurationException(String message) {
    super(Redaction.userInfo(message)); // a URI with credentials is never echoed
  }

  public ConfigurationException(String message, Throwable cause) {
    super(Redaction.userInfo(message), cause);
  }
}
