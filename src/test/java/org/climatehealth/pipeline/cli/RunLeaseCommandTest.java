package org.climatehealth.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.climatehealth.pipeline.lease.RunLease;
import org.climatehealth.pipeline.storage.LocalStorage;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StoreUri;
import org.climatehealth.pipeline.testing.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands that write the processed store hold its lease; a second one meanwhile exits 1 and writes nothing. */
class RunLeaseCommandTest {

  @TempDir Path dir;

  private String[] withStores(String... args) {
    return Stream.concat(Stream.of(args), Stream.of(
        "--conf", "pipeline.stores.raw=file:" + dir.resolve("raw"),
        "--conf", "pipeline.stores.processed=file:" + dir.resolve("processed"),
        "--conf", "pipeline.stores.models=file:" + dir.resolve("models"))).toArray(String[]::new);
  }

  @Test
  void aRunWhileAnotherHoldsTheStoreExitsOneNamingTheHolderAndWritesNothing() {
    Storage processed = new LocalStorage(StoreUri.local(dir.resolve("processed")));
    try (RunLease other = RunLease.acquire(processed, "other-run", "train", Duration.ofMinutes(10), Clock.systemUTC())) {
      for (String command : new String[] {"process", "train", "predict", "run"}) {
        CliRun run = CliRun.of(withStores(command, "--run-id", "second"));
        assertThat(run.exitCode()).as(command + ": " + run.err()).isEqualTo(ExitCodes.FAILED);
        assertThat(run.err()).as(command).contains("is in use by run other-run (train, ");
      }
      assertThat(processed.list("")).extracting(o -> o.key()).containsExactly(RunLease.KEY);
    }
    // released: the next run gets past the lease (to the empty raw store, exit 2) and leaves none behind
    CliRun next = CliRun.of(withStores("process", "--run-id", "third"));
    assertThat(next.exitCode()).as(next.err()).isEqualTo(ExitCodes.USAGE);
    assertThat(next.err()).contains("no locations data");
    assertThat(processed.exists(RunLease.KEY)).isFalse();
  }
}
