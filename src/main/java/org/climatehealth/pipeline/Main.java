package org.climatehealth.pipeline;

import java.io.PrintWriter;
import org.climatehealth.pipeline.cli.ExitCodes;
import org.climatehealth.pipeline.cli.GenerateCommand;
import org.climatehealth.pipeline.cli.GlueArguments;
import org.climatehealth.pipeline.cli.MigrateCommand;
import org.climatehealth.pipeline.cli.ModelsCommand;
import org.climatehealth.pipeline.cli.PredictCommand;
import org.climatehealth.pipeline.cli.ProcessCommand;
import org.climatehealth.pipeline.cli.RunCommand;
import org.climatehealth.pipeline.cli.ScanCommand;
import org.climatehealth.pipeline.cli.TrainCommand;
import org.climatehealth.pipeline.cli.StorageCommand;
import org.climatehealth.pipeline.cli.VersionProvider;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * The one entry point of every runtime: {@code scripts/pipeline}, {@code spark-submit --class} and
 * AWS Glue (which passes {@code --command NAME} and {@code --key value} pairs, translated by
 * {@link GlueArguments}). Only {@link #main} calls {@link System#exit}.
 */
@Command(name = "pipeline",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Spark batch jobs of the climate-health early-warning pipeline.",
    subcommands = {GenerateCommand.class, ProcessCommand.class, TrainCommand.class, PredictCommand.class,
        RunCommand.class, ModelsCommand.class, StorageCommand.class,
        MigrateCommand.class, ScanCommand.class},
    footer = {"", "Run 'pipeline COMMAND --help' for a command's options.",
        "Exit codes: 0 success, 1 the job failed at run time, 2 bad usage, configuration or input,"
            + " 3 a model missed its quality gate."})
public final class Main implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
  }

  /** The command line of the pipeline, with its error handling; used by {@link #main} and by tests. */
  public static CommandLine createCommandLine() {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setExecutionExceptionHandler(Main::handleFailure);
    commandLine.setParameterExceptionHandler(Main::handleUsageError);
    return commandLine;
  }

  /** Runs one invocation in either spelling and returns its exit code. */
  public static int execute(CommandLine commandLine, String... args) {
    String[] cliArgs;
    try {
      cliArgs = GlueArguments.isGlueStyle(args) ? GlueArguments.toCommandLine(commandLine, args) : args;
    } catch (CommandLine.ParameterException e) {
      return handleUsageError(e, args);
    }
    return commandLine.execute(cliArgs);
  }

  public static void main(String[] args) {
    SecretSafeLogging.apply(); // before any AWS client exists
    System.exit(execute(createCommandLine(), args));
  }

  /** A failure inside a command: one clear line first, then the causes; the stack trace only with --verbose. */
  private static int handleFailure(Exception failure, CommandLine commandLine, ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    err.println("error: " + describe(failure));
    for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
      if (cause.getMessage() != null && !failure.getMessage().contains(cause.getMessage())) {
        err.println("  caused by: " + describe(cause));
      }
    }
    if (isVerbose(parseResult)) {
      failure.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.of(failure);
  }

  private static int handleUsageError(CommandLine.ParameterException failure, String[] args) {
    CommandLine commandLine = failure.getCommandLine();
    PrintWriter err = commandLine.getErr();
    err.println("error: " + failure.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(failure, err);
    err.println("Usage:");
    err.print(commandLine.getHelp().synopsis(2));
    err.println("Run '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more.");
    err.flush();
    return ExitCodes.USAGE;
  }

  private static String describe(Throwable t) {
    String message = t.getMessage();
    return message == null || message.isBlank() ? t.getClass().getSimpleName() : message.strip().replace('\n', ' ');
  }

  private static boolean isVerbose(ParseResult parseResult) {
    for (ParseResult r = parseResult; r != null; r = r.subcommand()) {
      if (r.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }
}
