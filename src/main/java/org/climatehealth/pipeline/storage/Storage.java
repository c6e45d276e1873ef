package org.climatehealth.pipeline.storage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.UntypedObjectDeserializer;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One store (a local directory or an S3 bucket and prefix) seen as a flat namespace of objects
 * named by relative keys ({@link Keys}).
 *
 * <p>Every implementation behaves the same: keys are validated the same way, objects written
 * through {@link #create(String)} become visible only when the stream is closed, listings are
 * recursive and sorted by key, and a missing object raises {@link ObjectNotFoundException}.
 * Failures are unchecked {@link StorageException}s.
 */
public interface Storage extends AutoCloseable {

  /** Where this store lives, e.g. {@code file:/data/raw-bucket} or {@code s3://bucket/prefix}. */
  StoreUri uri();

  /** The object at {@code key}, or empty when there is none (folders are not objects). */
  Optional<ObjectInfo> stat(String key);

  /**
   * True when an object exists at {@code key}, or {@code key} is a folder: a folder marker or any
   * object below {@code key/}.
   */
  boolean exists(String key);

  /** Opens an object for reading. */
  InputStream open(String key);

  /**
   * Creates or replaces an object. Nothing is visible at {@code key} until the returned stream is
   * closed; then the whole content is. {@link AbortableOutputStream#abort()} discards it instead.
   * Prefer {@link #write(String, ContentWriter)}, which aborts when the writer fails.
   */
  AbortableOutputStream create(String key);

  /**
   * Creates the object at {@code key} only when nothing is there: returns true when it did, and
   * false, writing nothing, when an object already exists at {@code key}. Atomic: of any number of
   * concurrent callers for one key, exactly one gets true, and the object appears whole. This is
   * the building block for claims and registrations that must never be overwritten.
   */
  boolean createIfAbsent(String key, byte[] content);

  /** Every object whose key starts with {@code prefix} ("" for all), recursively, sorted by key. */
  List<ObjectInfo> list(String prefix);

  /** Deletes one object; returns false when there was none. */
  boolean delete(String key);

  /** Deletes every object whose key starts with {@code prefix}; returns how many. */
  long deletePrefix(String prefix);

  /** Creates a folder marker at {@code key} (an empty folder that {@link #exists} reports). */
  void createFolder(String key);

  /**
   * The hex MD5 of the object's content. Free for S3 objects written in one piece (their ETag);
   * objects uploaded in parts by this layer carry it as metadata; local files are read whole.
   */
  String checksum(String key);

  // ----- conveniences, overridden where an implementation can do better -----

  /** Writes an object's content to a stream. */
  @FunctionalInterface
  interface ContentWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Creates or replaces an object with what {@code writer} writes. If the writer fails, nothing
   * is published and whatever was at {@code key} stays as it was.
   */
  default void write(String key, ContentWriter writer) {
    AbortableOutputStream out = create(key);
    try {
      writer.writeTo(out);
    } catch (IOException | RuntimeException | Error e) {
      out.abort();
      if (e instanceof StorageException storage) {
        throw storage;
      }
      throw new StorageException("cannot write " + uri().resolve(key) + ": " + e.getMessage(), e);
    }
    try {
      out.close();
    } catch (IOException e) {
      throw new StorageException("cannot write " + uri().resolve(key) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Moves an object to another key in this store, replacing what is there. The target appears
   * whole (a rename on local disk, a server-side copy on S3); the source is then deleted.
   */
  default void move(String source, String target) {
    write(target, out -> {
      try (InputStream in = open(source)) {
        in.transferTo(out);
      }
    });
    delete(source);
  }

  /** Uploads a local file to {@code key}. */
  default void uploadFile(Path source, String key) {
    write(key, out -> {
      try (InputStream in = Files.newInputStream(source)) {
        in.transferTo(out);
      }
    });
  }

  /** Downloads {@code key} to a local file, replacing it; the file appears complete or not at all. */
  default void downloadFile(String key, Path target) {
    try (InputStream in = open(key)) {
      LocalFiles.replace(target, staging -> Files.copy(in, staging));
    } catch (IOException e) {
      throw new StorageException("cannot download " + uri().resolve(key) + " to " + target + ": " + e.getMessage(), e);
    }
  }

  default byte[] readBytes(String key) {
    try (InputStream in = open(key)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new StorageException("cannot read " + uri().resolve(key) + ": " + e.getMessage(), e);
    }
  }

  default void writeBytes(String key, byte[] content) {
    write(key, out -> out.write(content));
  }

  default String readText(String key) {
    return new String(readBytes(key), StandardCharsets.UTF_8);
  }

  default void writeText(String key, String text) {
    writeBytes(key, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a JSON object into {@code type} (a record, a map, a {@link JsonNode}...). */
  default <T> T readJson(String key, Class<T> type) {
    try {
      return Json.MAPPER.readValue(readBytes(key), type);
    } catch (IOException e) {
      throw new StorageException("cannot parse JSON in " + uri().resolve(key) + ": " + e.getMessage(), e);
    }
  }

  /** Writes a value as pretty-printed JSON. */
  default void writeJson(String key, Object value) {
    write(key, out -> Json.MAPPER.writeValue(new NonClosingOutputStream(out), value));
  }

  /** Object count and bytes under {@code prefix}, with a breakdown by top-level prefix. */
  default StorageUsage usage(String prefix) {
    return StorageUsage.of(prefix, list(prefix));
  }

  @Override
  default void close() {}

  /** Keeps a library that closes the stream it was given from publishing the object early. */
  final class NonClosingOutputStream extends java.io.FilterOutputStream {
    NonClosingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }

  /**
   * The one JSON mapper of the storage layer (Jackson, from Spark's classpath). What it writes is
   * strict JSON: a number that is not finite (NaN, infinity) is written as {@code null}, never as
   * Jackson's default string {@code "NaN"} or a bare {@code NaN} token.
   */
  final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper()
        .findAndRegisterModules()
        // Spark's classpath brings jackson-module-scala, which reads untyped values (a Map<String, Object>'s
        // nested objects and arrays) as Scala collections: read them as java.util.Map and List
        .registerModule(new SimpleModule("java-collections")
            .addDeserializer(Object.class, new UntypedObjectDeserializer(null, null)))
        .registerModule(new SimpleModule("non-finite-as-null")
            .addSerializer(Double.class, new NonFiniteAsNull<>(Double.class))
            .addSerializer(Double.TYPE, new NonFiniteAsNull<>(Double.TYPE))
            .addSerializer(Float.class, new NonFiniteAsNull<>(Float.class))
            .addSerializer(Float.TYPE, new NonFiniteAsNull<>(Float.TYPE)))
        .enable(SerializationFeature.INDENT_OUTPUT)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** Writes a double or float as a JSON number, or {@code null} when it is not finite. */
    private static final class NonFiniteAsNull<T extends Number> extends StdSerializer<T> {
      NonFiniteAsNull(Class<T> type) {
        super(type);
      }

      @Override
      public void serialize(T value, JsonGenerator out, SerializerProvider provider) throws IOException {
        if (!Double.isFinite(value.doubleValue())) {
          out.writeNull();
        } else if (value instanceof Float f) {
          out.writeNumber(f);
        } else {
          out.writeNumber(value.doubleValue());
        }
      }
    }

    private Json() {}

    /** Serialises a value to an in-memory JSON string (for reports printed to stdout). */
    public static String write(Object value) {
      try {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MAPPER.writeValue(out, value);
        return out.toString(StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
