package org.climatehealth.pipeline.cli;

import java.io.PrintWriter;
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
}
