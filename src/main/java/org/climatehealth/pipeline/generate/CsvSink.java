package org.climatehealth.pipeline.generate;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.climatehealth.pipeline.dataset.RawDataset;

/**
 * Where one dataset's lines go: the current file (a stream, or a day's buffer), with its header
 * written first; counts lines and bytes per file and in total. Generated text is ASCII but for
 * the Latin-1 characters of the lines made not UTF-8 on purpose, and files are written in
 * ISO-8859-1 ({@link #CHARSET}): every character is one byte.
 */
final class CsvSink {
  /** How the files are written: one byte per character, so that a Latin-1 character stays one byte. */
  static final Charset CHARSET = StandardCharsets.ISO_8859_1;

  private final RawDataset dataset;
  private final String header;
  private final List<WrittenFile> files = new ArrayList<>();
  private Appendable out;
  private String key;
  private long lines;
  private long fileBytes;
  private long fileRows;
  private long totalRows;
  private long totalBytes;

  CsvSink(RawDataset dataset) {
    this.dataset = dataset;
    this.header = String.join(",", dataset.columnNames());
  }

  RawDataset dataset() {
    return dataset;
  }

  /** Starts a file: the following rows go to {@code target}, after the header. */
  void open(String fileKey, Appendable target) {
    this.key = fileKey;
    this.out = target;
    this.lines = 0;
    this.fileBytes = 0;
    this.fileRows = 0;
    write(header);
  }

  /** Writes one data row (a CSV line without its newline). */
  void row(String line) {
    write(line);
    fileRows++;
    totalRows++;
  }

  private void write(String line) {
    try {
      out.append(line).append('\n');
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + key + ": " + e.getMessage(), e);
    }
    lines++;
    fileBytes += line.length() + 1;
    totalBytes += line.length() + 1;
  }

  /** The current file's key. */
  String key() {
    return key;
  }

  /** The line number (1-based, header = 1) the next row will have. */
  long nextLine() {
    return lines + 1;
  }

  /** Rows in the current file so far. */
  long fileRows() {
    return fileRows;
  }

  /** Ends the current file and records it as written. */
  WrittenFile finish() {
    WrittenFile file = new WrittenFile(key, fileBytes, fileRows);
    files.add(file);
    out = null;
    return file;
  }

  /** Ends the current file without recording it (nothing was published). */
  void discard() {
    totalRows -= fileRows;
    totalBytes -= fileBytes;
    out = null;
  }

  List<WrittenFile> files() {
    return List.copyOf(files);
  }

  long totalRows() {
    return totalRows;
  }

  long totalBytes() {
    return totalBytes;
  }
}
