package org.climatehealth.pipeline;

/**
 * Marks an exception caused by the caller rather than by the run: bad usage, bad configuration,
 * or input that breaks the contract. The command line maps these to exit code 2.
 */
public interface UsageError {}
