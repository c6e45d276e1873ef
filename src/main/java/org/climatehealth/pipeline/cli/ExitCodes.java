package org.climatehealth.pipeline.cli;

import org.climatehealth.pipeline.UsageError;
import picocli.CommandLine;

/** The exit codes of the contract, and which failure gets which. */
public final class ExitCodes {
  /** The command did its work. */
  public static final int SUCCESS = 0;
  /** The job failed at run time (I/O, a store out of reach, an object not found...). */
  public static final int FAILED = 1;
  /** Bad usage, bad configuration, or input that breaks the contract. */
  public static final int USAGE = 2;
  /** A model missed its quality gate. */
  public static final int GATE_FAILED = 3;

  private ExitCodes() {}

  /** The exit code for a failure: {@link #USAGE} for the caller's mistakes, else {@link #FAILED}. */
  public static int of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof UsageError || t instanceof CommandLine.ParameterException) {
        return USAGE;
      }
    }
    return FAILED;
  }
}
