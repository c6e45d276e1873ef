package org.climatehealth.pipeline.generate;

/** Writing CSV lines: commas between fields, a field with a comma or quote in double quotes. */
final class Csv {
  private Csv() {}

  /** One line (without its newline) of the given fields, quoted where needed. */
  static String line(String[] fields) {
    return line(fields, -1);
  }

  /** Like {@link #line(String[])}, with field {@code alwaysQuoted} quoted even when it need not be. */
  static String line(String[] fields, int alwaysQuoted) {
    return line(fields, alwaysQuoted, -1, null);
  }

  /**
   * Like {@link #line(String[])}, with field {@code column} written as {@code verbatim}: neither
   * quoted nor escaped (for lines that must break the CSV rules).
   */
  static String line(String[] fields, int column, String verbatim) {
    return line(fields, -1, column, verbatim);
  }

  private static String line(String[] fields, int alwaysQuoted, int verbatimColumn, String verbatim) {
    StringBuilder line = new StringBuilder(96);
    for (int i = 0; i < fields.length; i++) {
      if (i > 0) {
        line.append(',');
      }
      String field = fields[i];
      if (i == verbatimColumn) {
        line.append(verbatim);
      } else if (i == alwaysQuoted || needsQuotes(field)) {
        line.append('"').append(field.replace("\"", "\"\"")).append('"');
      } else {
        line.append(field);
      }
    }
    return line.toString();
  }

  private static boolean needsQuotes(String field) {
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        return true;
      }
    }
    return false;
  }

  /** A number with one decimal, e.g. {@code 31.2}, {@code -0.5}, {@code 0.0}; no locale involved. */
  static String decimal1(double value) {
    long tenths = Math.round(value * 10);
    StringBuilder text = new StringBuilder(8);
    if (tenths < 0) {
      text.append('-');
      tenths = -tenths;
    }
    return text.append(tenths / 10).append('.').append(tenths % 10).toString();
  }
}
