package org.climatehealth.pipeline.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import org.climatehealth.pipeline.UsageError;
import org.climatehealth.pipeline.lease.RunLease;
import org.climatehealth.pipeline.publish.Publisher;
import org.climatehealth.pipeline.report.RunRecorder;
import org.climatehealth.pipeline.report.RunReport;
import org.climatehealth.pipeline.storage.Storage;
import java.util.concurrent.Callable;
import org.climatehealth.pipeline.config.Settings;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Base of every command that does work: the common options, settings, and the output streams. */
abstract class PipelineCommand implements Callable<Integer> {

  @Mixin CommonOptions common;

  @Spec CommandSpec spec;

  Settings settings() {
    return common.settings();
  }

  /** Where the human summary goes (stdout). */
  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  /** A recorder for this run of {@code command}. */
  RunRecorder recorder(String command) {
    return new RunRecorder(Clock.systemUTC(), common.runId(), command, settings().env());
  }

  /**
   * Runs a job's work with its report: on success and on run-time failure the report goes to the
   * processed store and its facts to stdout; a usage error (bad input, exit 2) writes nothing.
   */
  int withReport(Storage processed, RunRecorder recorder, Supplier<Integer> work) {
    // taken first: a run that cannot have the store writes nothing, not even a report
    try (RunLease lease = leased()
        ? RunLease.acquire(processed, common.runId(), recorder.command(), settings().leaseTtl(), Clock.systemUTC())
        : null) {
      int code;
      try {
        if (lease != null) {
          // what runs that died left half-published is finished first, so this run reads and
          // replaces complete tables
          Publisher.Recovery recovery = Publisher.recover(processed);
          if (!recovery.isEmpty()) {
            recorder.detail("recovered", Map.of("publishes_completed", recovery.publishesCompleted(),
                "staged_objects_removed", recovery.stagedObjectsRemoved()));
          }
        }
        code = work.get();
      } catch (RuntimeException | Error e) {
        if (!(e instanceof UsageError)) {
          finish(processed, recorder.failed(e));
        }
        throw e;
      }
      if (code == ExitCodes.GATE_FAILED) {
        finish(processed, recorder.gateFailed(gateFailure));
      } else {
        finish(processed, recorder.succeeded());
      }
      return code;
    }
  }

  /**
   * True when the command writes the processed store's tables or models and so holds its lease
   * ({@link RunLease}) while it runs: one such run at a time per processed store.
   */
  boolean leased() {
    return true;
  }

  /** Set by work that returns {@link ExitCodes#GATE_FAILED}: the one line that says which gate missed. */
  String gateFailure;

  /** Where errors go (stderr). */
  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  private void finish(Storage processed, RunReport report) {
    String location = RunRecorder.write(processed, report);
    RunRecorder.summary(report, location).forEach(out()::println);
  }
}
