package org.climatehealth.pipeline.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Translates AWS Glue's argument spelling into the ordinary command line, so both parse to the
 * same request.
 *
 * <p>Glue passes only {@code --key value} pairs, its own mixed with the job's. Here
 * {@code --command NAME} (words separated by spaces, e.g. {@code "storage stats"}) takes the place
 * of the command words; {@code --pipeline.KEY VALUE} is the Glue spelling of
 * {@code --conf pipeline.KEY=VALUE}; an option the command declares passes through (a flag given
 * as {@code --dry-run true}); everything else, Glue's own arguments included, is ignored and
 * logged at debug level by name only (values may be secret). Glue's {@code --conf} is Glue's
 * Spark configuration, never ours.
 */
public final class GlueArguments {
  private static final Logger LOG = LoggerFactory.getLogger(GlueArguments.class);

  /** Arguments Glue adds on its own; ignored. Any other unknown pair is ignored as well. */
  static final Set<String> GLUE_OWN = Set.of("--JOB_NAME", "--JOB_ID", "--JOB_RUN_ID", "--TempDir",
      "--job-bookmark-option", "--job-language", "--class", "--extra-jars", "--conf",
      "--SECURITY_CONFIGURATION", "--enable-metrics", "--enable-glue-datacatalog",
      "--enable-continuous-cloudwatch-log", "--enable-spark-ui", "--spark-event-logs-path",
      "--enable-job-insights", "--enable-observability-metrics", "--enable-auto-scaling",
      "--additional-python-modules", "--extra-files", "--extra-py-files", "--user-jars-first",
      "--redshiftTmpDir", "--encryption-type", "--continuous-log-logGroup", "--WORKFLOW_NAME",
      "--WORKFLOW_RUN_ID");

  private static final String COMMAND = "--command";
  private static final String CONFIG_PREFIX = "--pipeline.";

  private GlueArguments() {}

  /** True when the arguments use Glue's spelling: a {@code --command} pair instead of command words. */
  public static boolean isGlueStyle(String[] args) {
    return Arrays.stream(args).anyMatch(a -> a.equals(COMMAND) || a.startsWith(COMMAND + "="));
  }

  /** The ordinary command line for Glue-style arguments. */
  public static String[] toCommandLine(CommandLine root, String[] args) {
    List<String[]> pairs = pairs(root, args);
    String command = pairs.stream().filter(p -> p[0].equals(COMMAND)).reduce((a, b) -> b)
        .map(p -> p[1].trim()).orElse("");
    if (command.isEmpty()) {
      throw new CommandLine.ParameterException(root, "--command needs a command name, e.g. --command process");
    }
    List<String> words = List.of(command.split("\\s+"));
    CommandLine target = root;
    for (String word : words) {
      CommandLine next = target.getSubcommands().get(word);
      if (next == null) {
        throw new CommandLine.ParameterException(root, "unknown command '" + command + "' in --command; "
            + "available: " + String.join(", ", target.getSubcommands().keySet()));
      }
      target = next;
    }
    List<String> result = new ArrayList<>(words);
    for (String[] pair : pairs) {
      String key = pair[0];
      String value = pair[1];
      if (key.equals(COMMAND)) {
        continue;
      }
      if (key.startsWith(CONFIG_PREFIX)) {
        result.add("--conf");
        result.add(key.substring(2) + "=" + value);
        continue;
      }
      OptionSpec option = GLUE_OWN.contains(key) ? null : target.getCommandSpec().findOption(key);
      if (option == null) {
        LOG.debug("ignoring Glue argument {}", key);
        continue;
      }
      if (option.arity().max() == 0) {
        if (value.isEmpty() || Boolean.parseBoolean(value.toLowerCase(Locale.ROOT))) {
          result.add(key);
        }
      } else {
        result.add(key);
        result.add(value);
      }
    }
    return result.toArray(String[]::new);
  }

  /** Splits {@code --key value} and {@code --key=value} into pairs; a stray word is a usage error. */
  private static List<String[]> pairs(CommandLine root, String[] args) {
    List<String[]> pairs = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (!arg.startsWith("--")) {
        throw new CommandLine.ParameterException(root, "unexpected argument '" + arg
            + "': with --command, arguments come as --key value pairs");
      }
      int eq = arg.indexOf('=');
      if (eq > 0) {
        pairs.add(new String[] {arg.substring(0, eq), arg.substring(eq + 1)});
      } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        pairs.add(new String[] {arg, args[++i]});
      } else {
        pairs.add(new String[] {arg, ""});
      }
    }
    return pairs;
  }
}
