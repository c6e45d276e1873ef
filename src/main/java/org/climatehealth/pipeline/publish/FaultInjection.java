package org.climatehealth.pipeline.publish;

import org.climatehealth.pipeline.storage.StorageException;

/**
 * Named points in a run's writing where tests make it fail or stop, to prove that a run that dies
 * anywhere leaves readers a complete store and the next run converges. Off unless the system
 * property {@code pipeline.fault-injection} is set (never by configuration), to
 * {@code <mode>@<point>}:
 * <ul>
 *   <li>{@code fail@<point>}: the run fails there with an error (exit 1), as when S3 gives up;
 *   <li>{@code pause@<point>}: the run prints {@code pipeline: paused at <point>} on stderr and
 *       waits, for the test to kill it (SIGKILL) at exactly that point.
 * </ul>
 * Points: {@code stage.daily_location} before daily_location is written to staging,
 * {@code publish.write-journal} before the publish journal is written, {@code publish.journal}
 * after, and {@code publish.move.<n>}, {@code publish.delete.<n>}, {@code publish.marker.<n>}
 * before the n-th step of a publish. A point named without its number
 * ({@code publish.move}) arms the first step of that kind.
 */
public final class FaultInjection {
  /** The system property that arms a point. */
  public static final String PROPERTY = "pipeline.fault-injection";

  private FaultInjection() {}

  /** Called at a named point: does nothing unless a test armed this point. */
  public static void reached(String point) {
    String armed = System.getProperty(PROPERTY);
    int at = armed == null ? -1 : armed.indexOf('@');
    if (at < 0 || !(point.equals(armed.substring(at + 1)) || point.startsWith(armed.substring(at + 1) + "."))) {
      return;
    }
    if (armed.startsWith("fail@")) {
      throw new StorageException("injected failure at " + point);
    }
    if (armed.startsWith("pause@")) {
      System.err.println("pipeline: paused at " + point);
      System.err.flush();
      while (true) {
        try {
          Thread.sleep(60_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
