package org.climatehealth.pipeline.testing;

import org.apache.spark.sql.SparkSession;

/**
 * The one local SparkSession shared by the unit tests of a test JVM: created on first use,
 * stopped when the JVM exits. Small and quiet: {@code local[2]}, no UI, two shuffle partitions,
 * driver on loopback, UTC session time zone.
 *
 * <p>Tests must not stop it. Should something stop it anyway (a job under test calling
 * {@code spark.stop()}), the next {@link #session()} creates a fresh one.
 */
public final class TestSpark {
  private static SparkSession session;
  private static boolean stopHookAdded;

  private TestSpark() {}

  /** The shared session, created on first call. */
  public static synchronized SparkSession session() {
    if (session == null || session.sparkContext().isStopped()) {
      session = SparkSession.builder()
          .master("local[2]")
          .appName("tests")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "2")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.sql.session.timeZone", "UTC")
          .getOrCreate();
      if (!stopHookAdded) {
        Runtime.getRuntime().addShutdownHook(new Thread(TestSpark::stop, "test-spark-stop"));
        stopHookAdded = true;
      }
    }
    return session;
  }

  /**
   * Stops the active and the default session, if any, and forgets them: for integration tests,
   * which share a JVM, in {@code @AfterAll} (or {@code @BeforeAll}), so that the next test class
   * starts a session with its own settings (a session keeps the committer it started with).
   */
  public static void stopActive() {
    SparkSession.getActiveSession().foreach(s -> {
      s.stop();
      return null;
    });
    SparkSession.getDefaultSession().foreach(s -> {
      s.stop();
      return null;
    });
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
  }

  private static synchronized void stop() {
    if (session != null) {
      session.stop();
      session = null;
    }
  }
}
