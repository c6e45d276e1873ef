package org.climatehealth.pipeline.lease;

/** Another run holds the processed store's lease: this run did nothing (exit 1). */
public class LeaseHeldException extends RuntimeException {
  private final RunLease.Holder holder;

  public LeaseHeldException(String store, RunLease.Holder holder) {
    super("the processed store " + store + " is in use by " + holder.describe()
        + "; wait for that run to end, or for its lease to expire if it died");
    this.holder = holder;
  }

  /** Who holds the lease. */
  public RunLease.Holder holder() {
    return holder;
  }
}
