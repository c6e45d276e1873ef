package org.climatehealth.pipeline.registry;

/** No registered model by that name, or no registered version by that number; the message names what exists. */
public class ModelNotFoundException extends RegistryUsageException {
  private static final long serialVersionUID = 1L;

  public ModelNotFoundException(String message) {
    super(message);
  }
}
