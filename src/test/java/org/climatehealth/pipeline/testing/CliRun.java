package org.climatehealth.pipeline.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.climatehealth.pipeline.Main;
import picocli.CommandLine;

/** One in-process invocation of the pipeline's command line, with what it printed. */
public record CliRun(int exitCode, String out, String err) {

  /** Runs the main class's command line as {@code main} would, capturing its output writers. */
  public static CliRun of(String... args) {
    CommandLine commandLine = Main.createCommandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int code = Main.execute(commandLine, args);
    return new CliRun(code, out.toString(), err.toString());
  }

  /**
   * Like {@link #of}, and also captures what the command streams to {@link System#out} as bytes
   * ({@code storage cat}); the text writers' output comes first.
   */
  public static synchronized CliRun capturingStdout(String... args) {
    PrintStream original = System.out;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try {
      CliRun run = of(args);
      return new CliRun(run.exitCode(), run.out() + bytes.toString(StandardCharsets.UTF_8), run.err());
    } finally {
      System.setOut(original);
    }
  }

  public List<String> errLines() {
    return err.lines().toList();
  }

  public List<String> outLines() {
    return out.lines().toList();
  }
}
