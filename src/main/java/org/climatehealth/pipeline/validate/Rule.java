package org.climatehealth.pipeline.validate;

import org.apache.spark.sql.Column;
import org.climatehealth.pipeline.dataset.ReasonCode;

/** One row-level check: when {@code violated} holds, the row gets {@code reason} with {@code detail}. */
public record Rule(ReasonCode reason, Column violated, Column detail) {}
