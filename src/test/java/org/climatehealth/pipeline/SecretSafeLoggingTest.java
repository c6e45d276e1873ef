package org.climatehealth.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SecretSafeLoggingTest {
  private static final String SDK = "software.amazon.awssdk";
  private final Level before = LogManager.getLogger(SDK).getLevel();

  @AfterEach
  void restore() {
    Configurator.setLevel(SDK, before);
    SecretSafeLogging.LOGGERS.forEach(name -> Configurator.setLevel(name, before));
  }

  @Test
  void theSignersStayAtInfoWhenTheSdkGoesToDebug() {
    Configurator.setLevel(SDK, Level.DEBUG);
    Configurator.setLevel("org.apache.http", Level.TRACE);

    SecretSafeLogging.apply();

    // the canonical request, with x-amz-security-token, is logged at DEBUG by these
    assertThat(LogManager.getLogger("software.amazon.awssdk.http.auth.aws.internal.signer.DefaultV4RequestSigner")
        .isDebugEnabled()).isFalse();
    assertThat(LogManager.getLogger("software.amazon.awssdk.auth.signer.Aws4Signer").isDebugEnabled()).isFalse();
    assertThat(LogManager.getLogger("org.apache.http.headers").isDebugEnabled()).isFalse();
    assertThat(LogManager.getLogger("org.apache.http.wire").isDebugEnabled()).isFalse();
    // the rest of the SDK still logs at DEBUG
    assertThat(LogManager.getLogger("software.amazon.awssdk.request").isDebugEnabled()).isTrue();
    assertThat(LogManager.getLogger("software.amazon.awssdk.http.auth.aws.internal.signer.DefaultV4RequestSigner")
        .isInfoEnabled()).isTrue();
    Configurator.setLevel("org.apache.http", before);
  }
}
