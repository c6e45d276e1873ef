package org.climatehealth.pipeline.generate;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * What to generate, checked on construction ({@link GeneratorUsageException} for a bad value).
 *
 * @param locations number of locations, 1 to 100,000
 * @param days number of days, 1 to 36,500
 * @param startDate the first day
 * @param seed the random seed: the same options give byte-identical files
 * @param dirtyFraction probability, 0 to 0.5, that a climate, health or hospital row is made dirty
 * @param dailyFiles one file per day and dataset ({@code raw/climate_data_2024-11-11.csv}) instead
 *     of one per dataset
 * @param overwrite replace the raw datasets already in the store instead of refusing
 */
public record GeneratorOptions(int locations, int days, LocalDate startDate, long seed, double dirtyFraction,
    boolean dailyFiles, boolean overwrite) {

  public static final int MAX_LOCATIONS = 100_000;
  public static final int MAX_DAYS = 36_500;
  public static final double MAX_DIRTY_FRACTION = 0.5;

  public GeneratorOptions {
    if (locations < 1 || locations > MAX_LOCATIONS) {
      throw new GeneratorUsageException("bad --locations " + locations + ": use 1 to " + MAX_LOCATIONS);
    }
    if (days < 1 || days > MAX_DAYS) {
      throw new GeneratorUsageException("bad --days " + days + ": use 1 to " + MAX_DAYS);
    }
    if (startDate == null) {
      throw new GeneratorUsageException("missing --start-date");
    }
    if (startDate.getYear() < 1900 || startDate.plusDays(days - 1L).getYear() > 9999) {
      throw new GeneratorUsageException("bad --start-date " + startDate + ": the days must fall in the years 1900-9999");
    }
    if (!(dirtyFraction >= 0 && dirtyFraction <= MAX_DIRTY_FRACTION)) {
      throw new GeneratorUsageException(String.format(Locale.ROOT, "bad --dirty-fraction %s: use 0 to %s",
          dirtyFraction, MAX_DIRTY_FRACTION));
    }
  }

  /** The last day generated. */
  public LocalDate endDate() {
    return startDate.plusDays(days - 1L);
  }

  /** Parses an ISO date ({@code yyyy-MM-dd}) given as {@code --start-date}. */
  public static LocalDate parseStartDate(String text) {
    try {
      return LocalDate.parse(text.strip());
    } catch (DateTimeParseException e) {
      throw new GeneratorUsageException("bad --start-date '" + text + "': use an ISO date such as 2023-01-01");
    }
  }
}
