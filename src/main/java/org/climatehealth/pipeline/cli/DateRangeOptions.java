package org.climatehealth.pipeline.cli;

import java.time.LocalDate;
import org.climatehealth.pipeline.config.ConfigurationException;
import org.climatehealth.pipeline.jobs.ProcessJob;
import picocli.CommandLine.Option;

/** {@code --from DATE --to DATE} or {@code --date DATE}: the dates a command restricts itself to. */
public final class DateRangeOptions {

  @Option(names = "--from", paramLabel = "DATE", description = "First date (ISO, yyyy-MM-dd) to (re)write.")
  LocalDate from;

  @Option(names = "--to", paramLabel = "DATE", description = "Last date (ISO, yyyy-MM-dd) to (re)write.")
  LocalDate to;

  @Option(names = "--date", paramLabel = "DATE", description = "One date: the same as --from DATE --to DATE.")
  LocalDate date;

  /** The range given, checked; everything when no option was given. */
  ProcessJob.Range range() {
    if (date != null && (from != null || to != null)) {
      throw new ConfigurationException("--date cannot be combined with --from or --to");
    }
    if (date != null) {
      return new ProcessJob.Range(date, date);
    }
    if (from != null && to != null && from.isAfter(to)) {
      throw new ConfigurationException("--from " + from + " is after --to " + to);
    }
    return new ProcessJob.Range(from, to);
  }
}
