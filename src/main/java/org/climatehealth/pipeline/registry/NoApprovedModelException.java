package org.climatehealth.pipeline.registry;

import java.util.List;

/**
 * A job needs an approved version of a model and there is none. The message is one line: which
 * model, which store, and what to do about it.
 */
public class NoApprovedModelException extends RegistryUsageException {
  private static final long serialVersionUID = 1L;

  private final String model;
  private final List<Integer> pendingVersions;

  public NoApprovedModelException(String model, String store, List<Integer> pendingVersions) {
    super(message(model, store, pendingVersions));
    this.model = model;
    this.pendingVersions = List.copyOf(pendingVersions);
  }

  public String model() {
    return model;
  }

  /** The versions waiting for approval, ascending. */
  public List<Integer> pendingVersions() {
    return pendingVersions;
  }

  private static String message(String model, String store, List<Integer> pending) {
    String first = "no approved version of model '" + model + "' in " + store + ": ";
    if (pending.isEmpty()) {
      return first + "train one with `scripts/pipeline train --model " + model + "`";
    }
    int newest = pending.get(pending.size() - 1);
    return first + "pending approval: "
        + String.join(", ", pending.stream().map(ModelMetadata::versionFolder).toList())
        + "; approve one with `scripts/pipeline models approve " + model + " " + newest
        + "`, or train a new one with `scripts/pipeline train --model " + model + "`";
  }
}
