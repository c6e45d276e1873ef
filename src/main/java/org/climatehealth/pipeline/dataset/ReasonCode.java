package org.climatehealth.pipeline.dataset;

/**
 * Why a raw row was quarantined (CONTRACT §5). Each rejected row gets exactly one: the first that
 * applies, in this order.
 */
public enum ReasonCode {
  /** Too few or too many fields for the header. */
  MALFORMED_ROW,
  /** A required value is blank or one of the missing-value spellings. */
  MISSING_REQUIRED,
  /** A date that is in none of the accepted formats, or is not a real date. */
  BAD_DATE,
  /** A value that should be a number and is not (or a count that is not whole). */
  BAD_NUMBER,
  /** A number outside its valid range, or values that contradict each other. */
  OUT_OF_RANGE,
  /** A location id that is not in the (valid) locations. */
  UNKNOWN_LOCATION,
  /** Rows that share a key but differ: all of them are quarantined. */
  DUPLICATE_KEY_CONFLICT
}
