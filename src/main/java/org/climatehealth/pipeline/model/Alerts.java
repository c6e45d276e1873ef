package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.format_string;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.climatehealth.pipeline.config.PredictSettings;

/**
 * Risk levels and alerts (CONTRACT §6), as Spark SQL expressions over scored rows.
 *
 * <ul>
 *   <li>{@code risk_level}: HIGH at or above {@code risk-levels.high}, MEDIUM at or above
 *       {@code risk-levels.medium}, LOW below.
 *   <li>{@code HIGH_RISK}: a HIGH prediction; severity CRITICAL at or above {@code risk-levels.critical},
 *       else HIGH.
 *   <li>{@code CAPACITY_STRAIN}: the beds the next 7 days' forecast cases need (their sum times the
 *       location's share of cases admitted over the last 28 days, or {@code hospitalisation-share}
 *       without recent cases) meet the location's free beds (total minus occupied, as of the
 *       date). Severity CRITICAL when the demand is at least twice the free beds or none are free,
 *       else HIGH. Locations without capacity reports raise none.
 * </ul>
 */
public final class Alerts {
  public static final String HIGH_RISK = "HIGH_RISK";
  public static final String CAPACITY_STRAIN = "CAPACITY_STRAIN";
  /** Alert columns, in output order. */
  public static final String[] COLUMNS = {"location_id", "date", "alert_type", "severity", "message", "risk_score",
      "run_id"};

  private Alerts() {}

  /** The risk level of a score: LOW, MEDIUM or HIGH. */
  public static Column riskLevel(Column score, PredictSettings settings) {
    return when(score.geq(settings.highRisk()), lit("HIGH"))
        .when(score.geq(settings.mediumRisk()), lit("MEDIUM"))
        .otherwise(lit("LOW"));
  }

  /** HIGH_RISK alerts from predictions ({@code location_id, date, risk_score, risk_level, run_id}). */
  public static Dataset<Row> highRisk(Dataset<Row> predictions, PredictSettings settings) {
    Column score = col("risk_score");
    return predictions.filter(col("risk_level").equalTo("HIGH"))
        .select(col("location_id"), col("date"), lit(HIGH_RISK).as("alert_type"),
            when(score.geq(settings.criticalRisk()), lit("CRITICAL")).otherwise(lit("HIGH")).as("severity"),
            format_string("risk score %.2f is at or above the HIGH level %.2f: the next 7 days' incidence is "
                + "likely to exceed the threshold", score, lit(settings.highRisk())).as("message"),
            score.as("risk_score"), col("run_id"));
  }

  /**
   * CAPACITY_STRAIN alerts from forecasts ({@code location_id, issue_date, predicted_cases}), the
   * scored feature rows ({@code location_id, date, total_beds, occupied_beds,
   * hospitalisation_share_28d, risk_score}) and the run id.
   */
  public static Dataset<Row> capacityStrain(Dataset<Row> forecasts, Dataset<Row> scored, PredictSettings settings,
      String runId) {
    Dataset<Row> demand = forecasts.groupBy(col("location_id"), col("issue_date").as("date"))
        .agg(sum(col("predicted_cases")).as("__cases_7d"));
    Column share = coalesce(col(Features.HOSPITALISATION_SHARE), lit(settings.hospitalisationShare()));
    Column beds = col("__cases_7d").multiply(share);
    Column free = col("total_beds").minus(col("occupied_beds"));
    return scored.select("location_id", "date", "total_beds", "occupied_beds", Features.HOSPITALISATION_SHARE,
            "risk_score")
        .join(demand, new String[] {"location_id", "date"}, "inner")
        .withColumn("__beds_needed", beds)
        .withColumn("__free_beds", free)
        .filter(col("total_beds").isNotNull().and(col("occupied_beds").isNotNull())
            .and(col("__beds_needed").geq(col("__free_beds"))))
        .select(col("location_id"), col("date"), lit(CAPACITY_STRAIN).as("alert_type"),
            when(col("__free_beds").leq(0).or(col("__beds_needed").geq(col("__free_beds").multiply(2))),
                lit("CRITICAL")).otherwise(lit("HIGH")).as("severity"),
            format_string("forecast demand of %.1f beds over the next 7 days (%.1f cases x %.3f admitted) meets "
                    + "the %d free of %d beds", round(col("__beds_needed"), 1), col("__cases_7d"), share,
                col("__free_beds"), col("total_beds")).as("message"),
            col("risk_score"), lit(runId).as("run_id"));
  }
}
