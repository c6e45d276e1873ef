package org.climatehealth.pipeline.dataset;

import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** The type of a raw column once parsed, and what makes a value of it valid. */
public enum ColumnType {
  /** An identifier: trimmed and upper-cased ({@code " ka-blr "} is {@code KA-BLR}). */
  ID(DataTypes.StringType),
  /** Free text, trimmed. */
  TEXT(DataTypes.StringType),
  /** A category name: trimmed and lower-cased (disease names). */
  CATEGORY(DataTypes.StringType),
  /** A date in one of the accepted formats: yyyy-MM-dd, dd/MM/yyyy, yyyy/MM/dd, dd-MM-yyyy. */
  DATE(DataTypes.DateType),
  /** A decimal number. */
  DECIMAL(DataTypes.DoubleType),
  /** A whole number (counts, beds, population); "12.0" is 12, "12.5" is not a count. */
  COUNT(DataTypes.LongType);

  private final DataType sparkType;

  ColumnType(DataType sparkType) {
    this.sparkType = sparkType;
  }

  /** The column's type in the processed tables. */
  public DataType sparkType() {
    return sparkType;
  }
}
