package org.climatehealth.pipeline.config;

import java.util.Optional;

/**
 * Training, quality gates and approval of the registered models ({@code pipeline.models.*}).
 *
 * @param autoApprove true when a model that passes its gate is approved at once ({@code approval =
 *     auto}); false when it waits as {@code pending} for {@code models approve} ({@code manual})
 * @param risk the risk model
 * @param forecast the forecast model
 * @param abalone the abalone model
 */
public record ModelSettings(boolean autoApprove, Risk risk, Forecast forecast, Abalone abalone) {

  /** How the risk label's outbreak threshold is set ({@code pipeline.models.risk.threshold}). */
  public enum ThresholdRule {
    /** Per location and ISO week of year, from the location's own training history. */
    SEASONAL,
    /** One figure for every location: {@code incidence-threshold-per-100k}. */
    ABSOLUTE
  }

  /**
   * The seasonal threshold ({@code pipeline.models.risk.seasonal.*}): for a location and ISO week
   * of year, the mean plus {@code sd} standard deviations of the next-7-day incidence of its
   * training dates in that week, when those dates come from at least {@code minYears} years;
   * otherwise the location's {@code fallbackQuantile} over all its training dates.
   *
   * @param sd standard deviations above the week's mean
   * @param minYears years of a week's history the seasonal rule needs
   * @param fallbackQuantile the location's quantile used when a week has too little history
   */
  public record Seasonal(double sd, int minYears, double fallbackQuantile) {}

  /**
   * The risk model ({@code pipeline.models.risk.*}).
   *
   * @param threshold the label's threshold rule
   * @param seasonal the seasonal rule's parameters
   * @param incidenceThresholdPer100k the absolute rule: the next 7 days' cases per 100k people above this
   * @param holdoutDays the most recent days of feature dates evaluated by the backtest
   * @param origins the backtest's number of origins, spread evenly over the hold-out
   * @param minRocAuc the gate: ROC AUC on the hold-out at least this
   * @param maxIter the logistic regression's iteration limit
   * @param regParam the logistic regression's L2 regularisation
   */
  public record Risk(ThresholdRule threshold, Seasonal seasonal, double incidenceThresholdPer100k, int holdoutDays,
      int origins, double minRocAuc, int maxIter, double regParam) {}

  /**
   * The forecast model ({@code pipeline.models.forecast.*}).
   *
   * @param holdoutDays the most recent days of issue dates evaluated by the backtest
   * @param origins the backtest's number of origins, spread evenly over the hold-out
   * @param maxMaeRatio the gate: hold-out MAE below this times the seasonal-naive MAE (1.0: beat it)
   * @param maxIter the gradient-boosted trees' number of trees
   * @param maxDepth the depth of each tree
   * @param stepSize the learning rate, in (0, 1]
   */
  public record Forecast(int holdoutDays, int origins, double maxMaeRatio, int maxIter, int maxDepth, double stepSize) {}

  /**
   * The abalone model ({@code pipeline.models.abalone.*}).
   *
   * @param data the training file as a location ({@code file:PATH}, a path, or {@code s3://bucket/key});
   *     empty for the copy shipped with the application
   * @param testFraction the share of rows held out for testing
   * @param seed the seed of the split and of the learner
   * @param maxMse the gate: test MSE at most this
   */
  public record Abalone(Optional<String> data, double testFraction, long seed, double maxMse) {}
}
