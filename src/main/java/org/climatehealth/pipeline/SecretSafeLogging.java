package org.climatehealth.pipeline;

import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Caps at INFO the few third-party loggers whose DEBUG output carries credentials, whatever the
 * log configuration says: the AWS SDK's request signers log the canonical request at DEBUG, which
 * holds the {@code x-amz-security-token} header (a session token; found by SecretLeakIT with the
 * SDK at DEBUG), and Apache HttpClient's wire and header loggers print every request header
 * ({@code Authorization}, {@code x-amz-security-token}). Everything else of the SDK, S3A and the
 * pipeline can still go to DEBUG for diagnosis.
 */
final class SecretSafeLogging {
  static final List<String> LOGGERS = List.of(
      "software.amazon.awssdk.auth.signer",
      "software.amazon.awssdk.http.auth.aws.internal.signer",
      "software.amazon.awssdk.http.auth.aws.signer",
      "org.apache.http.wire",
      "org.apache.http.headers",
      "org.apache.hc.client5.http.wire",
      "org.apache.hc.client5.http.headers");

  private SecretSafeLogging() {}

  /** Raises each of {@link #LOGGERS} to INFO where the configuration lets it log at DEBUG. */
  static void apply() {
    try {
      for (String name : LOGGERS) {
        if (LogManager.getLogger(name).isDebugEnabled()) {
          Configurator.setLevel(name, Level.INFO);
        }
      }
    } catch (LinkageError | RuntimeException e) {
      // no Log4j 2 core under this runtime: its own logging set-up applies
    }
  }
}
