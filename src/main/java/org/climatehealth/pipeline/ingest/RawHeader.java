package org.climatehealth.pipeline.ingest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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

  private static final int MAX_HEADER_CHARS = 1 << 20;

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
    return names.stream().filter(n -> !known.contains(n)).toList();
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
            + "' is missing from the header (found: " + String.join(", ", names) + ")");
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

  private static String firstLine(Storage raw, String key) {
    var decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(raw.open(key), decoder))) {
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = reader.read()) >= 0 && c != '\n' && c != '\r') {
        if (c == 0) {
          throw new InvalidInputException(raw.uri().resolve(key) + ": not a text CSV file (binary content in the header)");
        }
        line.append((char) c);
        if (line.length() > MAX_HEADER_CHARS) {
          throw new InvalidInputException(raw.uri().resolve(key) + ": the header line is longer than 1 MiB");
        }
      }
      if (line.length() == 0 || line.toString().replace("\uFEFF", "").isBlank()) {
        throw new InvalidInputException(raw.uri().resolve(key) + ": the file is empty or has no header row");
      }
      return line.toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException(raw.uri().resolve(key) + ": the header is not valid UTF-8");
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
