package org.climatehealth.pipeline.storage;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Local files that appear whole or not at all: written to a hidden sibling, then renamed over
 * the target. The sibling is an ordinary file (the process umask applies), not a private temp file.
 */
final class LocalFiles {
  /** Names of in-flight writes; never listed as objects. */
  static final String STAGING_PREFIX = ".pipeline-tmp-";

  /** Fills a staging file. */
  @FunctionalInterface
  interface Fill {
    void into(Path staging) throws IOException;
  }

  private LocalFiles() {}

  /** A fresh, not yet existing, hidden path beside {@code target}; the parent folders are made. */
  static Path stagingFor(Path target) throws IOException {
    Path absolute = target.toAbsolutePath();
    Files.createDirectories(absolute.getParent());
    return absolute.resolveSibling(STAGING_PREFIX + UUID.randomUUID());
  }

  /** Renames a complete staging file over {@code target}, atomically where the file system can. */
  static void moveIntoPlace(Path staging, Path target) throws IOException {
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(staging, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /** Replaces {@code target} with what {@code fill} writes; on failure the target is as it was. */
  static void replace(Path target, Fill fill) throws IOException {
    Path staging = stagingFor(target);
    try {
      fill.into(staging);
      moveIntoPlace(staging, target);
    } finally {
      Files.deleteIfExists(staging);
    }
  }
}
