package org.climatehealth.pipeline.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writing run at a time per processed store; expired leases are taken over. */
class RunLeaseTest {
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T02:00:00Z"), ZoneOffset.UTC);

  @TempDir Path dir;
  private Storage store;

  @BeforeEach
  void store() {
    store = new LocalStorage(StoreUri.local(dir.resolve("processed")));
  }

  @Test
  void aSecondRunFailsNamingTheHolderAndTheFirstReleasesWhenItEnds() {
    try (RunLease first = RunLease.acquire(store, "run-a", "process", TTL, CLOCK)) {
      RunLease.Holder holder = RunLease.read(store).orElseThrow();
      assertThat(holder.runId()).isEqualTo("run-a");
      assertThat(holder.command()).isEqualTo("process");
      assertThat(holder.owner()).contains(" pid " + ProcessHandle.current().pid());
      assertThat(holder.acquiredAt()).isEqualTo("2026-11-25T02:00:00Z");
      assertThat(holder.expiresAt()).isEqualTo("2026-11-25T02:10:00Z");

      assertThatThrownBy(() -> RunLease.acquire(store, "run-b", "train", TTL, CLOCK))
          .isInstanceOf(LeaseHeldException.class)
          .hasMessageContaining("is in use by run run-a (process, ")
          .hasMessageContaining("lease valid until 2026-11-25T02:10:00Z");
      assertThat(RunLease.read(store).orElseThrow().runId()).isEqualTo("run-a");
    }
    assertThat(store.exists(RunLease.KEY)).isFalse();
    try (RunLease second = RunLease.acquire(store, "run-b", "train", TTL, CLOCK)) {
      assertThat(RunLease.read(store).orElseThrow().runId()).isEqualTo("run-b");
    }
  }

  @Test
  void anExpiredLeaseIsTakenOverAndItsDeadRunCannotReleaseTheNewOne() {
    RunLease dead = RunLease.acquire(store, "run-dead", "process", TTL, CLOCK);
    // ten minutes and one second later, without a renewal (the fixed clock stops the heartbeat's effect)
    Clock later = Clock.offset(CLOCK, TTL.plusSeconds(1));
    try (RunLease taken = RunLease.acquire(store, "run-new", "process", TTL, later)) {
      assertThat(RunLease.read(store).orElseThrow().runId()).isEqualTo("run-new");
      dead.close();
      assertThat(RunLease.read(store).orElseThrow().runId()).isEqualTo("run-new");
    }
    assertThat(store.exists(RunLease.KEY)).isFalse();
  }

  @Test
  void aLeaseThatHasNotExpiredIsNotTakenOverEvenAMomentBefore() {
    try (RunLease held = RunLease.acquire(store, "run-a", "predict", TTL, CLOCK)) {
      Clock almost = Clock.offset(CLOCK, TTL.minusSeconds(1));
      assertThatThrownBy(() -> RunLease.acquire(store, "run-b", "predict", TTL, almost))
          .isInstanceOf(LeaseHeldException.class);
    }
  }

  @Test
  void theHeartbeatRenewsTheExpiryWhileTheRunGoesOn() throws Exception {
    Duration shortTtl = Duration.ofSeconds(3);
    try (RunLease held = RunLease.acquire(store, "run-a", "process", shortTtl, Clock.systemUTC())) {
      Instant first = Instant.parse(RunLease.read(store).orElseThrow().expiresAt());
      Thread.sleep(2_500); // past the first renewal (every second)
      Instant renewed = Instant.parse(RunLease.read(store).orElseThrow().expiresAt());
      assertThat(renewed).isAfter(first);
      assertThatThrownBy(() -> RunLease.acquire(store, "run-b", "process", shortTtl, Clock.systemUTC()))
          .isInstanceOf(LeaseHeldException.class);
    }
  }

  @Test
  void ofRunsStartingTogetherExactlyOneGetsTheLease() throws Exception {
    int runs = 8;
    CyclicBarrier start = new CyclicBarrier(runs);
    ExecutorService pool = Executors.newFixedThreadPool(runs);
    List<RunLease> taken = new ArrayList<>();
    try {
      List<Future<RunLease>> results = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        String runId = "run-" + i;
        Callable<RunLease> attempt = () -> {
          start.await();
          try {
            return RunLease.acquire(store, runId, "process", TTL, CLOCK);
          } catch (LeaseHeldException e) {
            return null;
          }
        };
        results.add(pool.submit(attempt));
      }
      for (Future<RunLease> result : results) {
        RunLease lease = result.get();
        if (lease != null) {
          taken.add(lease);
        }
      }
      assertThat(taken).hasSize(1);
      assertThat(RunLease.read(store).orElseThrow().runId()).isEqualTo(taken.get(0).holder().runId());
    } finally {
      taken.forEach(RunLease::close);
      pool.shutdownNow();
    }
  }

  @Test
  void aLeaseOfAProcessOfThisMachineThatIsGoneIsTakenOverAtOnceAndOneThatLivesOrIsElsewhereIsNot() throws Exception {
    String here = RunLease.owner();
    String userAtHost = here.substring(0, here.lastIndexOf(" pid "));
    Process finished = new ProcessBuilder("true").start();
    finished.waitFor();
    Process alive = new ProcessBuilder("sleep", "60").start();
    try {
      // the clock says the lease has nine minutes to go in every case
      writeLease(userAtHost + " pid " + alive.pid());
      assertThatThrownBy(() -> RunLease.acquire(store, "run-b", "process", TTL, CLOCK))
          .isInstanceOf(LeaseHeldException.class);
      writeLease("someone@another-host pid " + finished.pid());
      assertThatThrownBy(() -> RunLease.acquire(store, "run-b", "process", TTL, CLOCK))
          .isInstanceOf(LeaseHeldException.class);

      writeLease(userAtHost + " pid " + finished.pid());
      try (RunLease taken = RunLease.acquire(store, "run-b", "process", TTL, CLOCK)) {
        assertThat(RunLease.read(store).orElseThrow().runId()).isEqualTo("run-b");
      }
    } finally {
      alive.destroyForcibly();
    }
  }

  private void writeLease(String owner) {
    store.writeText(RunLease.KEY, "{\"run_id\":\"killed\",\"command\":\"process\",\"owner\":\"" + owner
        + "\",\"acquired_at\":\"2026-11-25T01:59:00Z\",\"expires_at\":\"2026-11-25T02:09:00Z\"}");
  }
}
