package org.climatehealth.pipeline.storage;

import java.io.OutputStream;

/**
 * The stream of an object being written. {@link #close()} publishes the whole object at its key;
 * {@link #abort()} discards what was written and leaves the key as it was. After either, further
 * calls to both are no-ops.
 */
public abstract class AbortableOutputStream extends OutputStream {

  /** Discards the content written so far; nothing becomes visible. */
  public abstract void abort();
}
