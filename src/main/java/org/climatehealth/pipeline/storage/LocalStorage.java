package org.climatehealth.pipeline.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@link Storage} over a local directory. Keys map to files below the root and can never leave
 * it. Writes go to a hidden temporary file beside the target and are renamed into place on
 * close, so readers see whole objects or none. Folders left empty by deletes are removed, as a
 * prefix disappears on S3 when its last object goes.
 */
public final class LocalStorage implements Storage {

  /** Names of in-flight writes; never listed. */
  static final String TEMP_MARKER = LocalFiles.STAGING_PREFIX;

  private final StoreUri uri;
  private final Path root;
  /** Whether the root folder was there before this store wrote anything. */
  private final boolean rootExisted;

  public LocalStorage(StoreUri uri) {
    if (!uri.isLocal()) {
      throw new IllegalArgumentException(uri + " is not a local store");
    }
    this.uri = uri;
    this.root = uri.directory();
    this.rootExisted = Files.exists(root);
  }

  @Override
  public StoreUri uri() {
    return uri;
  }

  @Override
  public Optional<ObjectInfo> stat(String key) {
    Path file = file(Keys.key(key));
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    return Optional.of(info(key, file));
  }

  @Override
  public boolean exists(String key) {
    return Files.exists(file(Keys.key(key)));
  }

  @Override
  public InputStream open(String key) {
    Path file = file(Keys.key(key));
    try {
      if (Files.isDirectory(file)) {
        throw new ObjectNotFoundException(uri.resolve(key) + " (a folder, not an object)");
      }
      return Files.newInputStream(file);
    } catch (NoSuchFileException | FileNotFoundException e) {
      throw new ObjectNotFoundException(uri.resolve(key).toString());
    } catch (IOException e) {
      throw failure("open", key, e);
    }
  }

  @Override
  public AbortableOutputStream create(String key) {
    Path target = file(Keys.key(key));
    try {
      if (Files.isDirectory(target)) {
        throw new StorageException("cannot write " + uri.resolve(key) + ": a folder exists at that key");
      }
      Files.createDirectories(target.getParent());
      // a hidden file beside the target, renamed into place on close
      return new StagedFileOutputStream(LocalFiles.stagingFor(target)) {
        @Override
        protected void publish(Path staging, long size, String md5Hex) throws IOException {
          LocalFiles.moveIntoPlace(staging, target);
        }

        @Override
        protected String target() {
          return uri.resolve(key).toString();
        }
      };
    } catch (IOException e) {
      throw failure("write", key, e);
    }
  }

  /**
   * Stages the content in a hidden file beside the target, then hard-links it to the target:
   * link(2) fails atomically with EEXIST when the target exists, so exactly one of several
   * concurrent callers succeeds, and the object appears with its whole content.
   */
  @Override
  public boolean createIfAbsent(String key, byte[] content) {
    Path target = file(Keys.key(key));
    Path staging = null;
    try {
      staging = LocalFiles.stagingFor(target);
      Files.write(staging, content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.createLink(target, staging);
        return true;
      } catch (FileAlreadyExistsException e) {
        if (Files.isDirectory(target)) {
          throw new StorageException("cannot write " + uri.resolve(key) + ": a folder exists at that key");
        }
        return false;
      }
    } catch (IOException e) {
      throw failure("create", key, e);
    } finally {
      if (staging != null) {
        try {
          Files.deleteIfExists(staging);
        } catch (IOException e) {
          // a hidden staging file, never listed; not worth failing the call for
        }
      }
    }
  }

  @Override
  public List<ObjectInfo> list(String prefix) {
    List<ObjectInfo> result = new ArrayList<>();
    for (Path file : files(prefix)) {
      result.add(info(key(file), file));
    }
    return result;
  }

  @Override
  public void move(String source, String target) {
    Path from = file(Keys.key(source));
    Path to = file(Keys.key(target));
    if (!Files.isRegularFile(from)) {
      throw new ObjectNotFoundException(uri.resolve(source).toString());
    }
    try {
      Files.createDirectories(to.getParent());
      LocalFiles.moveIntoPlace(from, to);
      pruneEmptyParents(from.getParent());
    } catch (IOException e) {
      throw failure("move " + source + " to", target, e);
    }
  }

  @Override
  public StorageUsage usage(String prefix) {
    // sizes only: no version tags
    List<ObjectInfo> sizes = new ArrayList<>();
    for (Path file : files(prefix)) {
      try {
        BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
        sizes.add(new ObjectInfo(key(file), attributes.size(), attributes.lastModifiedTime().toInstant(), ""));
      } catch (NoSuchFileException e) {
        // deleted while we walked: not there any more
      } catch (IOException e) {
        throw failure("stat", key(file), e);
      }
    }
    return StorageUsage.of(prefix, sizes);
  }

  @Override
  public boolean delete(String key) {
    Path file = file(Keys.key(key));
    if (!Files.isRegularFile(file)) {
      return false;
    }
    try {
      boolean deleted = Files.deleteIfExists(file);
      pruneEmptyParents(file.getParent());
      return deleted;
    } catch (IOException e) {
      throw failure("delete", key, e);
    }
  }

  @Override
  public long deletePrefix(String prefix) {
    long count = 0;
    for (Path file : files(prefix)) {
      try {
        if (Files.deleteIfExists(file)) {
          count++;
        }
      } catch (IOException e) {
        throw failure("delete", key(file), e);
      }
    }
    // folders (and folder markers) below the prefix go too, as they would on S3
    Path start = searchRoot(prefix);
    if (Files.isDirectory(start)) {
      try (Stream<Path> walk = Files.walk(start)) {
        List<Path> folders = walk.filter(Files::isDirectory)
            .filter(dir -> !dir.equals(root) && matches(dir, prefix))
            .sorted(Comparator.reverseOrder())
            .toList();
        for (Path dir : folders) {
          deleteIfEmpty(dir);
        }
      } catch (IOException | UncheckedIOException e) {
        throw failure("delete", prefix, e instanceof UncheckedIOException u ? u.getCause() : (IOException) e);
      }
      pruneEmptyParents(start.equals(root) ? root : start.getParent());
    }
    return count;
  }

  @Override
  public void createFolder(String key) {
    Path dir = file(Keys.key(key));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw failure("create folder", key, e);
    }
  }

  @Override
  public String checksum(String key) {
    Path file = file(Keys.key(key));
    if (!Files.isRegularFile(file)) {
      throw new ObjectNotFoundException(uri.resolve(key).toString());
    }
    return Checksums.md5(file);
  }

  @Override
  public void uploadFile(Path source, String key) {
    Path target = file(Keys.key(key));
    try {
      LocalFiles.replace(target, staging -> Files.copy(source, staging));
    } catch (IOException e) {
      throw new StorageException("cannot upload " + source + " to " + uri.resolve(key) + ": " + e, e);
    }
  }

  // ----- internals -----

  private Path file(String key) {
    Path resolved = root.resolve(key).normalize();
    if (!resolved.startsWith(root)) {
      // Keys already refuses '..'; this guards against anything the rules did not foresee
      throw new InvalidKeyException("invalid key '" + key + "': it leaves the store " + uri);
    }
    requireInside(key, resolved);
    return resolved;
  }

  /**
   * Refuses a key whose file, or a directory on its way, is a symbolic link that leads out of the
   * store (or nowhere): the deepest part of the path that exists must really be below the root.
   * Links that stay inside the store are followed.
   */
  private void requireInside(String key, Path file) {
    Path existing = file;
    while (existing != null && existing.startsWith(root)) {
      if (Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
        Path real;
        try {
          real = existing.toRealPath();
        } catch (IOException e) {
          if (Files.isSymbolicLink(existing)) {
            throw new InvalidKeyException("invalid key '" + key + "': " + uri.resolve(key)
                + " is a symbolic link that leads nowhere (" + e.getClass().getSimpleName() + ")");
          }
          existing = existing.getParent(); // removed meanwhile by someone else: look further up
          continue;
        }
        if (!real.startsWith(realRoot())) {
          throw new InvalidKeyException("invalid key '" + key + "': a symbolic link in " + uri.resolve(key)
              + " leads out of the store");
        }
        return;
      }
      existing = existing.getParent();
    }
    // not even the root exists yet: nothing to follow
  }

  private Path realRoot() {
    try {
      return root.toRealPath();
    } catch (IOException e) {
      throw new StorageException("cannot resolve the store's root " + uri + ": " + e.getMessage(), e);
    }
  }

  private String key(Path file) {
    return root.relativize(file).toString().replace(java.io.File.separatorChar, '/');
  }

  /** The deepest directory that holds every key starting with {@code prefix}. */
  private Path searchRoot(String prefix) {
    Keys.prefix(prefix);
    int slash = prefix.lastIndexOf('/');
    return slash < 0 ? root : file(prefix.substring(0, slash));
  }

  private boolean matches(Path path, String prefix) {
    String key = key(path);
    return key.startsWith(prefix) || (Files.isDirectory(path) && (key + "/").startsWith(prefix));
  }

  /**
   * Regular files whose keys start with {@code prefix}, sorted by key, in-flight writes excluded.
   * A file or folder that goes away while the tree is walked (a concurrent write's temporary
   * file, a concurrent delete) is simply not listed.
   */
  private List<Path> files(String prefix) {
    Path start = searchRoot(prefix);
    if (!Files.isDirectory(start)) {
      return List.of();
    }
    List<Path> files = new ArrayList<>();
    try {
      Files.walkFileTree(start, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
          if (!key(file).startsWith(prefix) || file.getFileName().toString().startsWith(TEMP_MARKER)) {
            return FileVisitResult.CONTINUE;
          }
          if (attributes.isSymbolicLink()) {
            // a link out of the store (to a file or a directory) is refused, not skipped
            requireInside(key(file), file);
            if (Files.isRegularFile(file)) {
              files.add(file);
            }
          } else if (attributes.isRegularFile()) {
            files.add(file);
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
          if (e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
          if (e == null || e instanceof NoSuchFileException) {
            return FileVisitResult.CONTINUE;
          }
          throw e;
        }
      });
    } catch (IOException e) {
      throw new StorageException("cannot list " + uri.resolve(prefix) + ": " + e.getMessage(), e);
    }
    files.sort(Comparator.comparing(this::key));
    return files;
  }


  private ObjectInfo info(String key, Path file) {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      // a version tag from the metadata, as S3's ETag is: no full read of every file listed
      return new ObjectInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant(),
          Checksums.versionTag(file, attributes));
    } catch (IOException e) {
      throw failure("stat", key, e);
    }
  }

  /**
   * Removes the directories a delete left empty, up to the root; the root too when this store
   * created it and it is empty again (a run that wrote only its lease leaves no trace).
   */
  private void pruneEmptyParents(Path dir) {
    Path current = dir;
    while (current != null && current.startsWith(root) && !current.equals(root)) {
      if (!deleteIfEmpty(current)) {
        return;
      }
      current = current.getParent();
    }
    if (root.equals(current) && !rootExisted) {
      deleteIfEmpty(root);
    }
  }

  private static boolean deleteIfEmpty(Path dir) {
    try {
      return Files.deleteIfExists(dir);
    } catch (DirectoryNotEmptyException e) {
      return false;
    } catch (IOException e) {
      return false;
    }
  }

  private StorageException failure(String operation, String key, IOException e) {
    return new StorageException("cannot " + operation + " " + uri.resolve(key) + ": " + e, e);
  }

  @Override
  public String toString() {
    return "LocalStorage[" + uri + "]";
  }
}
