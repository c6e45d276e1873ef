package org.climatehealth.pipeline.storage;

import org.climatehealth.pipeline.UsageError;
import org.climatehealth.pipeline.config.Redaction;

/** A store URI that is neither {@code file:PATH} nor {@code s3://BUCKET[/PREFIX]}. */
public class InvalidStoreUriException extends StorageException implements UsageError {
  private static final long serialVersionUID = 1L;

  public InvalidStoreUriException(String message) {
    super(Redaction.userInfo(message)); // a URI with credentials is never echoed
  }
}
