package org.climatehealth.pipeline.storage;

/** The object a read, download or checksum asked for does not exist. */
public class ObjectNotFoundException extends StorageException {
  private static final long serialVersionUID = 1L;

  public ObjectNotFoundException(String location) {
    super("no such object: " + location);
  }
}
