package org.climatehealth.pipeline.quality;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Dataset-level quality checks of {@code process} ({@code pipeline.quality.*}), built and checked
 * by {@code config/SettingsLoader}. A check at level {@link Level#OFF} is not evaluated; at
 * {@link Level#WARN} a miss is reported and logged; at {@link Level#ERROR} a miss fails the run
 * before anything is published.
 *
 * @param historyRuns how many previous successful runs the row-drop check takes the median of
 * @param freshnessReference the date the freshness check measures the newest date against
 * @param datasets the checks of each dataset by its table name (climate, health, hospital,
 *     locations, daily_location), in that order
 */
public record QualitySettings(int historyRuns, FreshnessReference freshnessReference,
    Map<String, DatasetChecks> datasets) {

  public QualitySettings {
    datasets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(datasets));
  }

  /** The datasets that have checks, in report order. */
  public static final List<String> DATASETS = List.of("climate", "health", "hospital", "locations", "daily_location");

  /** How a failed check counts. */
  public enum Level {
    OFF, WARN, ERROR;

    /** The configuration spelling: off, warn, error. */
    public String spelling() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The reference date of the freshness check. */
  public enum FreshnessReference {
    /** The run's --to date when given, else the newest date of any dated dataset of the run. */
    DATA,
    /** The run's own date (UTC): for daily feeds that must be current. */
    TODAY
  }

  /** A check with one numeric threshold (a share, a ratio or a number of days). */
  public record Check(Level level, double threshold) {
    public static final Check OFF = new Check(Level.OFF, 0);

    public boolean enabled() {
      return level != Level.OFF;
    }
  }

  /** Valid rows at least {@code min} and, when {@code max > 0}, at most {@code max}. */
  public record RowCount(Level level, long min, long max) {
    public static final RowCount OFF = new RowCount(Level.OFF, 0, 0);

    public boolean enabled() {
      return level != Level.OFF;
    }
  }

  /** Share of valid rows with a value in each of {@code columns} at least {@code minShare}. */
  public record Completeness(Level level, double minShare, List<String> columns) {
    public static final Completeness OFF = new Completeness(Level.OFF, 0, List.of());

    public Completeness {
      columns = List.copyOf(columns);
    }

    public boolean enabled() {
      return level != Level.OFF && !columns.isEmpty();
    }
  }

  /**
   * The checks of one dataset; those that do not apply to it (freshness without a date column,
   * known-location for locations, all but the row checks for daily_location) are OFF.
   *
   * @param rowCount valid rows within bounds
   * @param rowDrop valid rows at least this ratio of the median of the previous runs' valid rows
   * @param freshness the newest date at most this many days before the reference date
   * @param completeness optional columns filled in on at least this share of valid rows
   * @param quarantineShare quarantined rows at most this share of the rows read
   * @param knownLocation rows with a known location_id at least this share of the rows checked
   */
  public record DatasetChecks(RowCount rowCount, Check rowDrop, Check freshness, Completeness completeness,
      Check quarantineShare, Check knownLocation) {}
}
