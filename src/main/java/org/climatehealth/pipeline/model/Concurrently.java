package org.climatehealth.pipeline.model;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs independent model fits at the same time, the way Spark ML's {@code CrossValidator} does
 * with its {@code parallelism}: a fit on a small table is a long chain of short Spark jobs, each
 * mostly scheduling latency, so several chains overlap on the same cores. Results come back in
 * the order of the tasks; the first failure is rethrown as it was.
 */
final class Concurrently {
  /** Fits in flight at once: enough to overlap the jobs' latency, few enough to keep memory small. */
  static final int PARALLELISM = 4;

  private Concurrently() {}

  static <T> List<T> run(List<Callable<T>> tasks) {
    if (tasks.size() == 1) {
      return List.of(call(tasks.get(0)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(PARALLELISM, tasks.size()), runnable -> {
      Thread thread = new Thread(runnable, "model-fit");
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<Future<T>> futures = new ArrayList<>();
      tasks.forEach(task -> futures.add(pool.submit(task)));
      List<T> results = new ArrayList<>();
      for (Future<T> future : futures) {
        results.add(future.get());
      }
      return results;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fitting models", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static <T> T call(Callable<T> task) {
    try {
      return task.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
