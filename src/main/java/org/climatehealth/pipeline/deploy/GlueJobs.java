package org.climatehealth.pipeline.deploy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.climatehealth.pipeline.UsageError;
import org.climatehealth.pipeline.storage.InvalidStoreUriException;
import org.climatehealth.pipeline.storage.StoreUri;

/**
 * Renders the AWS Glue job definitions and the IAM policy documents of {@code jobs/} for one
 * deployment, for {@code scripts/deploy-glue.sh}.
 *
 * <p>The files in {@code jobs/} are valid JSON with {@code ${NAME}} placeholders inside string
 * values. {@link #values} checks the deploy-time values once and derives the rest (the partition
 * and account from the role ARN, bucket names and object ARNs for the policy); {@link #render}
 * substitutes them in every string value of a document (so a value never needs JSON escaping);
 * {@link #updateRequest} turns a {@code CreateJob} request into the {@code UpdateJob} request for
 * the same job: {@code {"JobName": ..., "JobUpdate": ...}}, where {@code JobUpdate} is the job
 * definition without {@code Name} and {@code Tags}, which the {@code JobUpdate} structure lacks.
 *
 * <p>Run as {@code GlueJobs render --out DIR --set KEY=VALUE... FILE...}: it writes
 * {@code DIR/<file>.create.json} and {@code DIR/<file>.update.json} for each job definition
 * (for {@code aws glue create-job|update-job --cli-input-json file://...}) and {@code DIR/<file>.json}
 * for each policy document, and prints one tab-separated line per file:
 * {@code job NAME CREATE UPDATE} or {@code policy FILE RENDERED}. Exit 2 on a bad value, an
 * unknown placeholder or a malformed document, with one line on stderr saying which.
 */
public final class GlueJobs {

  /** The values a deployment must give. */
  public static final List<String> REQUIRED = List.of("ARTIFACTS", "ROLE_ARN", "RAW_STORE", "PROCESSED_STORE",
      "MODELS_STORE", "REGION");
  /** The job name prefix when none is given. */
  public static final String DEFAULT_JOB_PREFIX = "climate-health-";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)}");
  private static final Pattern ROLE_ARN = Pattern.compile("arn:(aws[a-z-]*):iam::(\\d{12}):role/[\\w+=,.@/-]{1,512}");
  private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d");
  private static final Pattern JOB_PREFIX = Pattern.compile("[A-Za-z0-9_.-]{0,200}");
  private static final Set<String> NOT_IN_JOB_UPDATE = Set.of("Name", "Tags");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private GlueJobs() {}

  /** A deploy-time value, placeholder or document that cannot be used; exit 2. */
  public static final class DeployException extends RuntimeException implements UsageError {
    private static final long serialVersionUID = 1L;

    public DeployException(String message) {
      super(message);
    }
  }

  /**
   * Checks the given values and adds the derived ones. Given: {@code ARTIFACTS} (s3://BUCKET[/PREFIX]
   * where the jar and configuration go), {@code ROLE_ARN}, {@code RAW_STORE}, {@code PROCESSED_STORE},
   * {@code MODELS_STORE} (s3:// store URIs), {@code REGION}, optionally {@code JOB_PREFIX}. Derived:
   * {@code PARTITION} and {@code ACCOUNT} (from the role ARN) and, for each of RAW, PROCESSED, MODELS
   * and ARTIFACTS, {@code X_BUCKET} (the bucket name) and {@code X_OBJECTS} ({@code bucket/prefix/*},
   * the object part of an S3 ARN). Stores are normalised ({@code s3a://} and trailing slashes go).
   */
  public static Map<String, String> values(Map<String, String> given) {
    List<String> missing = REQUIRED.stream().filter(k -> given.getOrDefault(k, "").isBlank()).toList();
    if (!missing.isEmpty()) {
      throw new DeployException("missing deploy value" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing));
    }
    Set<String> unknown = new TreeSet<>(given.keySet());
    unknown.removeAll(REQUIRED);
    unknown.remove("JOB_PREFIX");
    if (!unknown.isEmpty()) {
      throw new DeployException("unknown deploy value" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown)
          + "; known: " + String.join(", ", REQUIRED) + ", JOB_PREFIX");
    }
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, StoreUri> locations = new LinkedHashMap<>();
    for (String name : List.of("ARTIFACTS", "RAW_STORE", "PROCESSED_STORE", "MODELS_STORE")) {
      StoreUri uri = s3Location(name, given.get(name));
      locations.put(name, uri);
      values.put(name, uri.toString());
    }
    String role = given.get("ROLE_ARN").trim();
    Matcher arn = ROLE_ARN.matcher(role);
    if (!arn.matches()) {
      throw new DeployException("bad ROLE_ARN '" + role + "': expected an IAM role ARN such as "
          + "arn:aws:iam::123456789012:role/climate-health-glue");
    }
    values.put("ROLE_ARN", role);
    String region = given.get("REGION").trim();
    if (!REGION.matcher(region).matches()) {
      throw new DeployException("bad REGION '" + region + "': expected a region name such as eu-west-2");
    }
    values.put("REGION", region);
    String prefix = given.getOrDefault("JOB_PREFIX", DEFAULT_JOB_PREFIX).trim();
    if (!JOB_PREFIX.matcher(prefix).matches()) {
      throw new DeployException("bad JOB_PREFIX '" + prefix + "': letters, digits, '.', '_' and '-' only");
    }
    values.put("JOB_PREFIX", prefix);
    values.put("PARTITION", arn.group(1));
    values.put("ACCOUNT", arn.group(2));
    locations.forEach((name, uri) -> {
      String base = name.replace("_STORE", "");
      values.put(base + "_BUCKET", uri.bucket());
      values.put(base + "_OBJECTS", uri.bucket() + "/" + (uri.prefix().isEmpty() ? "" : uri.prefix() + "/") + "*");
    });
    // the role may delete in processed and models but never in raw: they must not overlap
    StoreUri raw = locations.get("RAW_STORE");
    for (String writable : List.of("PROCESSED_STORE", "MODELS_STORE")) {
      StoreUri other = locations.get(writable);
      if (contains(other, raw) || contains(raw, other)) {
        throw new DeployException(writable + " " + other + " and RAW_STORE " + raw + " overlap: the job role may "
            + "delete in " + writable.toLowerCase(Locale.ROOT).replace("_store", "") + " and must not in raw; "
            + "give them separate buckets or prefixes");
      }
    }
    return values;
  }

  private static StoreUri s3Location(String name, String text) {
    StoreUri uri;
    try {
      uri = StoreUri.parse(text);
    } catch (InvalidStoreUriException e) {
      throw new DeployException("bad " + name + ": " + e.getMessage());
    }
    if (!uri.isS3()) {
      throw new DeployException("bad " + name + " '" + text.trim() + "': a Glue job reaches only S3; "
          + "expected s3://BUCKET[/PREFIX]");
    }
    return uri;
  }

  /** True when every key of {@code inner} lies inside {@code outer}. */
  private static boolean contains(StoreUri outer, StoreUri inner) {
    return outer.bucket().equals(inner.bucket())
        && (outer.prefix().isEmpty() || inner.prefix().equals(outer.prefix())
            || inner.prefix().startsWith(outer.prefix() + "/"));
  }

  /**
   * A copy of {@code document} with every {@code ${NAME}} in its string values replaced by
   * {@code values.get(NAME)}. Keys are left as they are.
   *
   * @throws DeployException naming the placeholder and where it is, when a value is missing
   */
  public static JsonNode render(JsonNode document, Map<String, String> values) {
    return render(document, values, "");
  }

  private static JsonNode render(JsonNode node, Map<String, String> values, String where) {
    if (node.isTextual()) {
      Matcher m = PLACEHOLDER.matcher(node.textValue());
      StringBuilder out = new StringBuilder();
      while (m.find()) {
        String value = values.get(m.group(1));
        if (value == null) {
          throw new DeployException("unknown placeholder ${" + m.group(1) + "} at " + (where.isEmpty() ? "/" : where)
              + "; known: " + String.join(", ", new TreeSet<>(values.keySet())));
        }
        m.appendReplacement(out, Matcher.quoteReplacement(value));
      }
      m.appendTail(out);
      return TextNode.valueOf(out.toString());
    }
    if (node.isObject()) {
      ObjectNode copy = JSON.createObjectNode();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        copy.set(field.getKey(), render(field.getValue(), values, where + "/" + field.getKey()));
      }
      return copy;
    }
    if (node.isArray()) {
      ArrayNode copy = JSON.createArrayNode();
      for (int i = 0; i < node.size(); i++) {
        copy.add(render(node.get(i), values, where + "/" + i));
      }
      return copy;
    }
    return node.deepCopy();
  }

  /**
   * The {@code UpdateJob} request for the job a {@code CreateJob} request defines:
   * {@code {"JobName": Name, "JobUpdate": <the request without Name and Tags>}}.
   */
  public static ObjectNode updateRequest(JsonNode createRequest) {
    checkJob(createRequest);
    ObjectNode update = JSON.createObjectNode();
    update.put("JobName", createRequest.get("Name").textValue());
    ObjectNode jobUpdate = update.putObject("JobUpdate");
    createRequest.fields().forEachRemaining(field -> {
      if (!NOT_IN_JOB_UPDATE.contains(field.getKey())) {
        jobUpdate.set(field.getKey(), field.getValue().deepCopy());
      }
    });
    return update;
  }

  /** Checks the fields CreateJob requires (Name, Role, Command.Name, Command.ScriptLocation) are strings. */
  public static void checkJob(JsonNode createRequest) {
    for (String path : List.of("/Name", "/Role", "/Command/Name", "/Command/ScriptLocation")) {
      JsonNode value = createRequest.at(path);
      if (!value.isTextual() || value.textValue().isBlank()) {
        throw new DeployException("not a Glue job definition: " + path + " is missing or not a string");
      }
    }
  }

  /** Whether a document is an IAM policy (it has a Statement) rather than a job definition. */
  public static boolean isPolicy(JsonNode document) {
    return document.has("Statement");
  }

  /** Reads a JSON document; a malformed one is a {@link DeployException} naming the file. */
  public static JsonNode read(Path file) {
    try {
      return JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new DeployException("malformed JSON in " + file + ": " + e.getOriginalMessage()
          + " (line " + e.getLocation().getLineNr() + ")");
    } catch (IOException e) {
      throw new DeployException("cannot read " + file + ": " + e.getMessage());
    }
  }

  /** The document as the files are written: indented JSON with a final newline. */
  public static String toJson(JsonNode document) {
    try {
      return JSON.writeValueAsString(document) + "\n";
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What one rendered input file became. */
  public record Rendered(String kind, String name, List<Path> files) {
    /** The tab-separated line the deploy script reads. */
    public String line() {
      List<String> fields = new ArrayList<>(List.of(kind, name));
      files.forEach(f -> fields.add(f.toString()));
      return String.join("\t", fields);
    }
  }

  /** Renders each file into {@code out} with the checked {@code values}. */
  public static List<Rendered> renderAll(List<Path> files, Map<String, String> values, Path out) {
    List<Rendered> rendered = new ArrayList<>();
    try {
      Files.createDirectories(out);
      for (Path file : files) {
        JsonNode document = render(read(file), values);
        String base = file.getFileName().toString().replaceFirst("\\.json$", "");
        if (isPolicy(document)) {
          Path target = out.resolve(base + ".json");
          Files.writeString(target, toJson(document), StandardCharsets.UTF_8);
          rendered.add(new Rendered("policy", file.getFileName().toString(), List.of(target)));
        } else {
          checkJob(document);
          Path create = out.resolve(base + ".create.json");
          Path update = out.resolve(base + ".update.json");
          Files.writeString(create, toJson(document), StandardCharsets.UTF_8);
          Files.writeString(update, toJson(updateRequest(document)), StandardCharsets.UTF_8);
          rendered.add(new Rendered("job", document.get("Name").textValue(), List.of(create, update)));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write rendered documents to " + out, e);
    }
    return rendered;
  }

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err));
  }

  /** The command line: {@code render --out DIR [--set KEY=VALUE]... FILE...}; returns the exit code. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    String usage = "usage: GlueJobs render --out DIR [--set KEY=VALUE]... FILE...";
    if (args.length == 0 || !args[0].equals("render")) {
      err.println("error: expected the 'render' command");
      err.println(usage);
      return 2;
    }
    Map<String, String> given = new LinkedHashMap<>();
    List<Path> files = new ArrayList<>();
    Path outDir = null;
    for (int i = 1; i < args.length; i++) {
      String arg = args[i];
      if ((arg.equals("--out") || arg.equals("--set")) && i + 1 >= args.length) {
        err.println("error: " + arg + " needs a value");
        err.println(usage);
        return 2;
      }
      if (arg.equals("--out")) {
        outDir = Path.of(args[++i]);
      } else if (arg.equals("--set")) {
        String pair = args[++i];
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          err.println("error: bad --set '" + pair + "': expected KEY=VALUE");
          return 2;
        }
        given.put(pair.substring(0, eq), pair.substring(eq + 1));
      } else if (arg.startsWith("--")) {
        err.println("error: unknown option " + arg);
        err.println(usage);
        return 2;
      } else {
        files.add(Path.of(arg));
      }
    }
    if (outDir == null || files.isEmpty()) {
      err.println("error: " + (outDir == null ? "--out DIR is required" : "no files to render"));
      err.println(usage);
      return 2;
    }
    try {
      for (Rendered r : renderAll(files, values(given), outDir)) {
        out.println(r.line());
      }
      return 0;
    } catch (DeployException e) {
      err.println("error: " + e.getMessage());
      return 2;
    } catch (UncheckedIOException e) {
      err.println("error: " + e.getMessage() + ": " + e.getCause().getMessage());
      return 1;
    }
  }
}
