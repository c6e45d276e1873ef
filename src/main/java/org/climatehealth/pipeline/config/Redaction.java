package org.climatehealth.pipeline.config;

import java.util.regex.Pattern;

/**
 * Masks credentials that users put where they do not belong, before a value is echoed in an
 * error message or a log: the user-info part of a URI ({@code s3://KEY:SECRET@bucket},
 * {@code http://user:password@host}).
 */
public final class Redaction {
  /**
   * A scheme and {@code //}, then anything up to the last {@code @} before a blank or a quote: an
   * AWS secret key may hold {@code /}, so the authority's end cannot be trusted. A path with an
   * {@code @} is masked too; better too much than a secret.
   */
  private static final Pattern USER_INFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^\\s'\"]*@");
  public static final String MASK = "***";

  private Redaction() {}

  /** {@code text} with the user-info of every URI in it replaced by {@value #MASK}. */
  public static String userInfo(String text) {
    if (text == null || text.indexOf('@') < 0) {
      return text;
    }
    return USER_INFO.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(m.group(1)) + MASK + "@");
  }

  /** True when {@code text} holds a URI with user-info. */
  public static boolean hasUserInfo(String text) {
    return text != null && !userInfo(text).equals(text);
  }
}
