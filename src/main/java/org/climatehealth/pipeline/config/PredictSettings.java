package org.climatehealth.pipeline.config;

/**
 * Scoring outputs, risk levels and alerts ({@code pipeline.predict.*}).
 *
 * @param format the file format of predictions, forecasts and alerts: parquet, json or csv
 * @param mediumRisk a risk score at least this is MEDIUM
 * @param highRisk a risk score at least this is HIGH (and raises a HIGH_RISK alert)
 * @param criticalRisk a HIGH_RISK alert with a score at least this has severity CRITICAL
 * @param hospitalisationShare the share of cases expected to need a bed when a location has no
 *     recent cases to measure its own share from
 */
public record PredictSettings(String format, double mediumRisk, double highRisk, double criticalRisk,
    double hospitalisationShare) {}
