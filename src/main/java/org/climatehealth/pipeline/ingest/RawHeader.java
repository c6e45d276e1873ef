package org.climatehealth.pipeline.ingest;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageException;

/**
 * The header of one raw CSV file, read through the storage layer (one small read, before Spark
 * touches the data) and normalised: names trimmed, lower-cased, spaces and hyphens read as
 * {@code _}, a UTF-8 byte-order mark dropped. Knows where each contract column sits.
 *
 * @param file the file's key in the raw store
 * @param names the normalised column names, in file order
 * @param line the header line exactly as in the file (byte-order mark included)
 */
public record RawHeader(String file, List<String> names, String line) {

  private static final int MAX_HEADER_BYTES = 1 << 20;
  private static final int BINARY_PROBE_BYTES = 8000;

  /** The position of each normalised column name. */
  public Map<String, Integer> positions() {
    Map<String, Integer> positions = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      positions.putIfAbsent(names.get(i), i);
    }
    return positions;
  }

  /** Columns that the dataset does not define (ignored, and named in the run report). */
  public List<String> unknownColumns(RawDataset dataset) {
    List<String> known = dataset.columnNames();
    // a column without a name (a header ending in a comma) is ignored, with nothing to name
    return names.stream().filter(n -> !n.isEmpty() && !known.contains(n)).toList();
  }

  /** Reads and checks a file's header: every required column present, no column named twice. */
  public static RawHeader read(Storage raw, String key, RawDataset dataset) {
    String line = firstLine(raw, key);
    List<String> names = new ArrayList<>();
    for (String field : splitCsvLine(line)) {
      names.add(normalise(field));
    }
    Set<String> seen = new LinkedHashSet<>();
    for (String name : names) {
      if (!name.isEmpty() && !seen.add(name)) {
        throw new InvalidInputException(raw.uri().resolve(key) + ": column '" + name
            + "' appears twice in the header; rename or remove one");
      }
    }
    for (String required : dataset.requiredColumns()) {
      if (!seen.contains(required)) {
        throw new InvalidInputException(raw.uri().resolve(key) + ": required column '" + required
            + "' is missing from the header (found: " + abbreviate(String.join(", ", names)) + ")"
            + delimiterHint(line, names));
      }
    }
    return new RawHeader(key, List.copyOf(names), line);
  }

  /** {@code " Location-ID "} is {@code location_id}. */
  public static String normalise(String name) {
    String trimmed = name.strip();
    if (trimmed.startsWith("\uFEFF")) {
      trimmed = trimmed.substring(1).strip();
    }
    return trimmed.toLowerCase(Locale.ROOT).replaceAll("[\\s-]+", "_");
  }

  /** A header that is one field holding ';', a tab or '|': the file is likely separated by that. */
  private static String delimiterHint(String line, List<String> names) {
    if (names.size() == 1) {
      for (String separator : List.of(";", "\t", "|")) {
        if (line.contains(separator)) {
          return "; the header is one field containing '" + (separator.equals("\t") ? "\\t" : separator)
              + "': the file must be comma-separated";
        }
      }
    }
    return "";
  }

  private static String abbreviate(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "... (" + text.length() + " characters)";
  }

  /** What a file that cannot be CSV text starts with, by its first bytes; null when nothing known. */
  static String binaryKind(byte[] start, int length) {
    if (length >= 2 && (start[0] & 0xff) == 0x1f && (start[1] & 0xff) == 0x8b) {
      return "gzip-compressed: decompress it (raw files are plain UTF-8 CSV)";
    }
    if (length >= 4 && start[0] == 'P' && start[1] == 'K' && start[2] == 3 && start[3] == 4) {
      return "a zip archive: extract it (raw files are plain UTF-8 CSV)";
    }
    for (int i = 0; i < length; i++) {
      if (start[i] == 0) {
        return "binary, not a text CSV file (a zero byte at offset " + i + ")";
      }
    }
    return null;
  }

  /**
   * The file's first line, decoded strictly as UTF-8. Only the header's own bytes are decoded (a
   * reader's look-ahead would fail on a Latin-1 byte in a later row, which is that row's problem:
   * MALFORMED_ROW). A file is called binary, as git does, when a zero byte is among its first
   * 8,000 bytes.
   */
  private static String firstLine(Storage raw, String key) {
    var decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (InputStream in = new BufferedInputStream(raw.open(key), 8192)) {
      // a compressed or binary file is named as such, before its bytes are read as text
      byte[] start = new byte[BINARY_PROBE_BYTES];
      in.mark(start.length);
      int length = in.readNBytes(start, 0, start.length);
      in.reset();
      String kind = binaryKind(start, length);
      if (kind != null) {
        throw new InvalidInputException(raw.uri().resolve(key) + ": the file is " + kind);
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int b;
      while ((b = in.read()) >= 0 && b != '\n' && b != '\r') {
        bytes.write(b);
        if (bytes.size() > MAX_HEADER_BYTES) {
          throw new InvalidInputException(raw.uri().resolve(key) + ": the header line is longer than 1 MiB");
        }
      }
      String line = decoder.decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
      if (line.isEmpty() || line.replace("\uFEFF", "").isBlank()) {
        throw new InvalidInputException(raw.uri().resolve(key) + ": the file is empty or has no header row");
      }
      return line;
    } catch (CharacterCodingException e) {
      throw new InvalidInputException(raw.uri().resolve(key)
          + ": the header is not valid UTF-8 (another encoding such as Latin-1, or binary content): save the file as UTF-8");
    } catch (IOException e) {
      throw new StorageException("cannot read the header of " + raw.uri().resolve(key) + ": " + e.getMessage(), e);
    }
  }

  /** Splits one CSV line: commas separate fields, double quotes quote them, "" is a quote. */
  public static List<String> splitCsvLine(String line) {
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
      } else {
        field.append(c);
      }
    }
    fields.add(field.toString());
    return fields;
  }
}
