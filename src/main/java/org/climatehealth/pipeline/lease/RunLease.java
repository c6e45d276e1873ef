package org.climatehealth.pipeline.lease;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.climatehealth.pipeline.storage.ObjectNotFoundException;
import org.climatehealth.pipeline.storage.Storage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The processed store's lease: one writing run at a time. A run creates {@value #KEY} (an
 * atomic create-if-absent, on local disk and on S3), renews its expiry every third of the lease
 * time while it runs, and deletes it when it ends, whether it succeeded or failed. A second run
 * finds the lease and fails at once ({@link LeaseHeldException}, exit 1) naming the holder; a lease
 * whose expiry has passed (its run died without ending) is taken over, and so is, at once, a lease
 * whose holder ran on this machine as a process that is gone (killed: SIGKILL, out of memory).
 *
 * <p>Taking over is a delete and a create: two runs that find the same expired lease at the same
 * moment cannot both win the create, but a run that deletes after the other has already created
 * could remove the new lease. The content is read again just before the delete to make that
 * window as short as the store allows (S3 has no conditional delete).
 */
public final class RunLease implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLease.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where the lease lives in the processed store. */
  public static final String KEY = "_lease/run.json";

  /** The lease's content. Times are ISO-8601 instants. */
  public record Holder(@JsonProperty("run_id") String runId, @JsonProperty("command") String command,
      @JsonProperty("owner") String owner, @JsonProperty("acquired_at") String acquiredAt,
      @JsonProperty("expires_at") String expiresAt) {

    boolean expiredAt(Instant now) {
      return !Instant.parse(expiresAt).isAfter(now);
    }

    Holder renewedUntil(Instant expiry) {
      return new Holder(runId, command, owner, acquiredAt, expiry.toString());
    }

    /**
     * True when the holder ran on this machine (same user and host) as a process that no longer
     * exists: it was killed without ending, and its lease need not wait for its expiry. A reused
     * process id only makes this answer false, never wrongly true.
     */
    boolean diedOnThisHost() {
      String here = RunLease.owner();
      int pidAt = owner.lastIndexOf(" pid ");
      if (pidAt < 0 || !here.startsWith(owner.substring(0, pidAt) + " pid ")) {
        return false;
      }
      try {
        long pid = Long.parseLong(owner.substring(pidAt + 5));
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
      } catch (NumberFormatException e) {
        return false;
      }
    }

    /** The holder in words, for messages. */
    public String describe() {
      return "run " + runId + " (" + command + ", " + owner + ") since " + acquiredAt + ", lease valid until "
          + expiresAt;
    }
  }

  private final Storage store;
  private final Clock clock;
  private final Duration ttl;
  private final Holder mine;
  private final ScheduledExecutorService heartbeat;

  private RunLease(Storage store, Clock clock, Duration ttl, Holder mine) {
    this.store = store;
    this.clock = clock;
    this.ttl = ttl;
    this.mine = mine;
    this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread thread = new Thread(r, "lease-heartbeat-" + mine.runId());
      thread.setDaemon(true);
      return thread;
    });
    long period = Math.max(1, ttl.toMillis() / 3);
    heartbeat.scheduleAtFixedRate(this::renew, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes the lease of {@code store} for a run, or fails.
   *
   * @throws LeaseHeldException when another run holds a lease that has not expired
   */
  public static RunLease acquire(Storage store, String runId, String command, Duration ttl, Clock clock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("lease time must be positive: " + ttl);
    }
    Instant now = clock.instant();
    Holder mine = new Holder(runId, command, owner(), now.toString(), now.plus(ttl).toString());
    for (int attempt = 0; attempt < 3; attempt++) {
      if (store.createIfAbsent(KEY, bytes(mine))) {
        LOG.info("lease on {} taken by run {} until {}", store.uri(), runId, mine.expiresAt());
        return new RunLease(store, clock, ttl, mine);
      }
      Optional<Holder> current = read(store);
      if (current.isEmpty()) {
        continue; // released meanwhile: try again
      }
      boolean dead = current.get().diedOnThisHost();
      if (!dead && !current.get().expiredAt(clock.instant())) {
        throw new LeaseHeldException(store.uri().toString(), current.get());
      }
      // expired, or its process is gone: its run died without releasing it; take over unless
      // someone else already did
      if (read(store).equals(current)) {
        LOG.warn("taking over the {} lease on {}: {}", dead ? "dead process's" : "expired", store.uri(),
            current.get().describe());
        store.delete(KEY);
      }
    }
    Holder holder = read(store).orElseThrow(() -> new IllegalStateException("lease on " + store.uri()
        + " changes hands too fast to take: try again"));
    throw new LeaseHeldException(store.uri().toString(), holder);
  }

  /** The lease as it is now in {@code store}, if any. */
  public static Optional<Holder> read(Storage store) {
    try {
      return Optional.of(JSON.readValue(store.readText(KEY), Holder.class));
    } catch (ObjectNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the lease " + store.uri().resolve(KEY) + ": " + e.getMessage(), e);
    }
  }

  /** The holder this lease was taken as (its expiry as first taken). */
  public Holder holder() {
    return mine;
  }

  private void renew() {
    try {
      Optional<Holder> current = read(store);
      if (current.isPresent() && isMine(current.get())) {
        store.writeBytes(KEY, bytes(mine.renewedUntil(clock.instant().plus(ttl))));
      } else {
        LOG.warn("the lease on {} is no longer run {}'s: {}", store.uri(), mine.runId(),
            current.map(Holder::describe).orElse("none"));
      }
    } catch (RuntimeException e) {
      // the run goes on; if renewals keep failing the lease expires and may be taken over
      LOG.warn("cannot renew the lease on {}: {}", store.uri(), e.getMessage());
    }
  }

  /** Stops renewing and deletes the lease, if it is still this run's. */
  @Override
  public void close() {
    heartbeat.shutdownNow();
    try {
      heartbeat.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      Optional<Holder> current = read(store);
      if (current.isPresent() && isMine(current.get())) {
        store.delete(KEY);
        LOG.info("lease on {} released by run {}", store.uri(), mine.runId());
      }
    } catch (RuntimeException e) {
      // the run's own outcome stands; the lease expires by itself and is then taken over
      LOG.warn("cannot release the lease on {} (it expires by itself within {}): {}", store.uri(), ttl,
          e.getMessage());
    }
  }

  private boolean isMine(Holder holder) {
    return holder.runId().equals(mine.runId()) && holder.acquiredAt().equals(mine.acquiredAt())
        && holder.owner().equals(mine.owner());
  }

  private static byte[] bytes(Holder holder) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(holder);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** user@host pid N: who holds a lease, for the message another run prints. */
  static String owner() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("unknown-host");
    }
    return System.getProperty("user.name", "unknown") + "@" + host + " pid " + ProcessHandle.current().pid();
  }
}
