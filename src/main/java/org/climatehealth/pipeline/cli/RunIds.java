package org.climatehealth.pipeline.cli;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.climatehealth.pipeline.config.ConfigurationException;

/** Run identifiers: generated from the UTC time ({@code 20241124T181500Z-3f9a}) or checked when given. */
public final class RunIds {
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private RunIds() {}

  /** A new run id: the UTC second it was made, then 4 random hex digits so that two runs in one second differ. */
  public static String generate(Clock clock) {
    byte[] suffix = new byte[2];
    RANDOM.nextBytes(suffix);
    return STAMP.format(clock.instant()) + "-" + HexFormat.of().formatHex(suffix);
  }

  /** Checks a run id given by the user: it becomes part of object keys. */
  public static String validate(String runId) {
    if (runId == null || !VALID.matcher(runId).matches() || runId.contains("..")) {
      throw new ConfigurationException("bad --run-id '" + runId
          + "': use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return runId;
  }
}
