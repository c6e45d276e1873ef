package org.climatehealth.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Small helpers for DuckDB through JDBC: quoting, and running a statement with its text in the error. */
final class Sql {
  private Sql() {}

  /** An in-memory DuckDB database. */
  static Connection duckdb() {
    return duckdb(null);
  }

  /** A DuckDB database in this file (compressed tables, spilled by DuckDB's buffer manager), or in memory when null. */
  static Connection duckdb(java.nio.file.Path file) {
    try {
      Class.forName("org.duckdb.DuckDBDriver");
      return DriverManager.getConnection("jdbc:duckdb:" + (file == null ? "" : file.toAbsolutePath()));
    } catch (ClassNotFoundException | SQLException e) {
      throw new IllegalStateException("cannot open DuckDB (is duckdb_jdbc on the classpath?): " + e.getMessage(), e);
    }
  }

  /** A quoted identifier: {@code "name"}. */
  static String id(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }

  /** A string literal: {@code 'text'}. */
  static String str(String text) {
    return "'" + text.replace("'", "''") + "'";
  }

  /** A list literal of strings: {@code ['a', 'b']}. */
  static String strList(List<String> texts) {
    return "[" + String.join(", ", texts.stream().map(Sql::str).toList()) + "]";
  }

  /** With {@code -Dbench.sql.trace=true}, every statement and its seconds go to stderr; {@code full}: whole statements. */
  private static final String TRACE = System.getProperty("bench.sql.trace", "false");

  /** Runs a statement; returns the update count (rows written by COPY), or -1. */
  static long exec(Connection db, String sql) {
    long started = System.nanoTime();
    try (Statement statement = db.createStatement()) {
      boolean rows = statement.execute(sql);
      if (rows) {
        try (ResultSet result = statement.getResultSet()) {
          return result.next() ? result.getLong(1) : -1;
        }
      }
      return statement.getLargeUpdateCount();
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage() + "\nin: " + sql, e);
    } finally {
      trace(sql, started);
    }
  }

  private static void trace(String sql, long started) {
    if (!TRACE.equals("false")) {
      System.err.printf(java.util.Locale.ROOT, "sql %.3f s: %s%n", (System.nanoTime() - started) / 1e9,
          sql.length() > 300 && !TRACE.equals("full") ? sql.substring(0, 300) + "..." : sql);
    }
  }

  /** Runs a query and maps every row. */
  static <T> List<T> query(Connection db, String sql, RowMapper<T> mapper) {
    long started = System.nanoTime();
    try (Statement statement = db.createStatement(); ResultSet result = statement.executeQuery(sql)) {
      List<T> rows = new ArrayList<>();
      while (result.next()) {
        rows.add(mapper.map(result));
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException("DuckDB: " + e.getMessage() + "\nin: " + sql, e);
    } finally {
      trace(sql, started);
    }
  }

  /** The one value of a one-row, one-column query. */
  static <T> T single(Connection db, String sql, Function<Object, T> convert) {
    List<Object> values = query(db, sql, r -> r.getObject(1));
    if (values.size() != 1) {
      throw new IllegalStateException("expected one row, got " + values.size() + " from: " + sql);
    }
    return convert.apply(values.get(0));
  }

  /** One row of a result to a value. */
  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet row) throws SQLException;
  }
}
