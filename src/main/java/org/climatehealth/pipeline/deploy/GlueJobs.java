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
 * values. {@link #values} checks the deploy-time values once and derives the rest (each job's
 * role, the partition and account from the role ARNs, bucket names, key prefixes and object ARNs
 * for the policies); {@link #render} substitutes them in every string value of a document (so a
 * value never needs JSON escaping); {@link #updateRequest} turns a {@code CreateJob} request into
 * the {@code UpdateJob} request for the same job: {@code {"JobName": ..., "JobUpdate": ...}},
 * where {@code JobUpdate} is the job definition without {@code Name} and {@code Tags}, which the
 * {@code JobUpdate} structure lacks.
 *
 * <p>Roles: {@code ROLE_ARN} is the role of every job; {@code PROCESS_ROLE_ARN},
 * {@code TRAIN_ROLE_ARN}, {@code PREDICT_ROLE_ARN}, {@code RUN_ROLE_ARN} and {@code SCAN_ROLE_ARN}
 * override it for one job ({@code ROLE_ARN} may be left out when all five are given). Each job file
 * names its own ({@code "Role": "${PROCESS_ROLE_ARN}"}), and each job has its own policy,
 * {@code iam/<job>-policy.json}, granting only what that job does; a role that runs several jobs
 * needs each of their policies ({@link #roleGrants}).
 *
 * <p>One rendering rule goes beyond substitution: a {@code Condition} of a policy statement that
 * uses a store prefix placeholder ({@code ${RAW_PREFIX}}, {@code ${PROCESSED_PREFIX}},
 * {@code ${MODELS_PREFIX}}, {@code ${ARTIFACTS_PREFIX}}) whose value is empty, because that store
 * is a whole bucket, is left out. A policy restricts listing to a store's keys with
 * {@code "Condition": {"StringLike": {"s3:prefix": ["${RAW_PREFIX}/*", "${RAW_PREFIX}"]}}}; for a
 * store at a bucket root there is nothing to restrict, and the condition as written
 * ({@code ["/*", ""]}) would match no listing at all. Any other empty value renders as empty.
 *
 * <p>Run as {@code GlueJobs render --out DIR --set KEY=VALUE... FILE...}: it writes
 * {@code DIR/<file>.create.json} and {@code DIR/<file>.update.json} for each job definition
 * (for {@code aws glue create-job|update-job --cli-input-json file://...}) and {@code DIR/<file>.json}
 * for each policy document, and prints one tab-separated line per file:
 * {@code job NAME CREATE UPDATE} or {@code policy FILE RENDERED}, then one line per role:
 * {@code role ARN JOB[,JOB...] POLICY...} (the jobs it runs, by name, and the rendered policies it
 * needs). Exit 2 on a bad value, an unknown placeholder, a malformed document or a job without its
 * policy, with one line on stderr saying which.
 */
public final class GlueJobs {

  /** The values a deployment must give ({@code ROLE_ARN} unless every job has a role of its own). */
  public static final List<String> REQUIRED = List.of("ARTIFACTS", "ROLE_ARN", "RAW_STORE", "PROCESSED_STORE",
      "MODELS_STORE", "REGION");
  /** The Glue jobs, as named in {@code jobs/<job>.json} and {@code jobs/iam/<job>-policy.json}. */
  public static final List<String> JOBS = List.of("process", "train", "predict", "run", "scan");
  /** The store prefix placeholders: empty for a store at a bucket root, which drops a Condition using one. */
  public static final Set<String> STORE_PREFIXES = Set.of("RAW_PREFIX", "PROCESSED_PREFIX", "MODELS_PREFIX",
      "ARTIFACTS_PREFIX");
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

  /** The deploy value naming one job's role, e.g. {@code PROCESS_ROLE_ARN}. */
  public static String roleKey(String job) {
    return job.toUpperCase(Locale.ROOT) + "_ROLE_ARN";
  }

  /** The policy document of one job, relative to {@code jobs/}: {@code iam/<job>-policy.json}. */
  public static String policyFile(String job) {
    return "iam/" + job + "-policy.json";
  }

  /**
   * Checks the given values and adds the derived ones. Given: {@code ARTIFACTS} (s3://BUCKET[/PREFIX]
   * where the jar and configuration go), {@code ROLE_ARN} (every job's role) and optionally
   * {@code <JOB>_ROLE_ARN} for each job in {@link #JOBS} (that job's role instead), {@code RAW_STORE},
   * {@code PROCESSED_STORE}, {@code MODELS_STORE} (s3:// store URIs), {@code REGION}, optionally
   * {@code JOB_PREFIX}. Derived: {@code <JOB>_ROLE_ARN} for every job, {@code PARTITION} and
   * {@code ACCOUNT} (from the role ARNs, which must agree on both) and, for each of RAW, PROCESSED,
   * MODELS and ARTIFACTS, {@code X_BUCKET} (the bucket name), {@code X_PREFIX} (the key prefix, empty
   * at a bucket root), {@code X_ROOT} ({@code bucket/prefix/} or {@code bucket/}: the object part of an
   * S3 ARN up to the store's keys) and {@code X_OBJECTS} ({@code X_ROOT*}: all of the store's objects).
   * Stores are normalised ({@code s3a://} and trailing slashes go).
   */
  public static Map<String, String> values(Map<String, String> given) {
    List<String> roleKeys = JOBS.stream().map(GlueJobs::roleKey).toList();
    boolean everyJobHasARole = roleKeys.stream().noneMatch(k -> given.getOrDefault(k, "").isBlank());
    List<String> missing = REQUIRED.stream().filter(k -> given.getOrDefault(k, "").isBlank())
        .filter(k -> !(k.equals("ROLE_ARN") && everyJobHasARole)).toList();
    if (!missing.isEmpty()) {
      throw new DeployException("missing deploy value" + (missing.size() == 1 ? " " : "s ") + String.join(", ", missing));
    }
    Set<String> unknown = new TreeSet<>(given.keySet());
    unknown.removeAll(REQUIRED);
    unknown.removeAll(roleKeys);
    unknown.remove("JOB_PREFIX");
    if (!unknown.isEmpty()) {
      throw new DeployException("unknown deploy value" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown)
          + "; known: " + String.join(", ", REQUIRED) + ", " + String.join(", ", roleKeys) + ", JOB_PREFIX");
    }
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, StoreUri> locations = new LinkedHashMap<>();
    for (String name : List.of("ARTIFACTS", "RAW_STORE", "PROCESSED_STORE", "MODELS_STORE")) {
      StoreUri uri = s3Location(name, given.get(name));
      locations.put(name, uri);
      values.put(name, uri.toString());
    }
    // every role, checked; each job's own or the default
    Map<String, Matcher> roles = new LinkedHashMap<>();
    if (!given.getOrDefault("ROLE_ARN", "").isBlank()) {
      roles.put("ROLE_ARN", roleArn("ROLE_ARN", given.get("ROLE_ARN")));
    }
    for (String key : roleKeys) {
      String own = given.getOrDefault(key, "");
      roles.put(key, own.isBlank() ? roles.get("ROLE_ARN") : roleArn(key, own));
    }
    roles.forEach((key, arn) -> values.put(key, arn.group()));
    Matcher first = roles.values().iterator().next();
    for (Map.Entry<String, Matcher> role : roles.entrySet()) {
      Matcher arn = role.getValue();
      if (!arn.group(1).equals(first.group(1)) || !arn.group(2).equals(first.group(2))) {
        throw new DeployException("the job roles must be in one partition and account: " + role.getKey() + " "
            + arn.group() + " is in " + arn.group(1) + " account " + arn.group(2) + ", "
            + roles.keySet().iterator().next() + " " + first.group() + " in " + first.group(1) + " account "
            + first.group(2));
      }
    }
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
    values.put("PARTITION", first.group(1));
    values.put("ACCOUNT", first.group(2));
    locations.forEach((name, uri) -> {
      String base = name.replace("_STORE", "");
      String root = uri.bucket() + "/" + (uri.prefix().isEmpty() ? "" : uri.prefix() + "/");
      values.put(base + "_BUCKET", uri.bucket());
      values.put(base + "_PREFIX", uri.prefix());
      values.put(base + "_ROOT", root);
      values.put(base + "_OBJECTS", root + "*");
    });
    // jobs may delete in processed and models but never in raw: they must not overlap
    StoreUri raw = locations.get("RAW_STORE");
    for (String writable : List.of("PROCESSED_STORE", "MODELS_STORE")) {
      StoreUri other = locations.get(writable);
      if (contains(other, raw) || contains(raw, other)) {
        throw new DeployException(writable + " " + other + " and RAW_STORE " + raw + " overlap: the job roles may "
            + "delete in " + writable.toLowerCase(Locale.ROOT).replace("_store", "") + " and must not in raw; "
            + "give them separate buckets or prefixes");
      }
    }
    return values;
  }

  private static Matcher roleArn(String key, String text) {
    String role = text.trim();
    Matcher arn = ROLE_ARN.matcher(role);
    if (!arn.matches()) {
      throw new DeployException("bad " + key + " '" + role + "': expected an IAM role ARN such as "
          + "arn:aws:iam::123456789012:role/climate-health-glue");
    }
    return arn;
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
   * {@code values.get(NAME)}. Keys are left as they are. A {@code Condition} member that uses an
   * empty store prefix placeholder ({@link #STORE_PREFIXES}) is left out (see the class comment).
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
        if (field.getKey().equals("Condition") && usesAnEmptyStorePrefix(field.getValue(), values)) {
          continue; // the store is a whole bucket: nothing to restrict to
        }
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

  /** Whether a string anywhere in {@code node} uses a store prefix placeholder whose value is empty. */
  private static boolean usesAnEmptyStorePrefix(JsonNode node, Map<String, String> values) {
    if (node.isTextual()) {
      Matcher m = PLACEHOLDER.matcher(node.textValue());
      while (m.find()) {
        if (STORE_PREFIXES.contains(m.group(1)) && "".equals(values.get(m.group(1)))) {
          return true;
        }
      }
      return false;
    }
    for (JsonNode child : node) {
      if (usesAnEmptyStorePrefix(child, values)) {
        return true;
      }
    }
    return false;
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

  /** What one role needs: the jobs (by name) that run as it and the rendered policy of each. */
  public record RoleGrant(String roleArn, List<String> jobs, List<Path> policies) {
    /** The tab-separated line the deploy script reads: {@code role ARN JOB[,JOB...] POLICY...}. */
    public String line() {
      List<String> fields = new ArrayList<>(List.of("role", roleArn, String.join(",", jobs)));
      policies.forEach(p -> fields.add(p.toString()));
      return String.join("\t", fields);
    }
  }

  /** The rendered files and what each role needs. */
  public record Deployment(List<Rendered> files, List<RoleGrant> roles) {}

  /**
   * Renders each file into {@code out} and pairs every job with its policy: job file
   * {@code <job>.json} with {@code <job>-policy.json} among the files.
   *
   * @throws DeployException when a job's policy is not among the files
   */
  public static Deployment render(List<Path> files, Map<String, String> values, Path out) {
    List<Rendered> rendered = new ArrayList<>();
    Map<String, Path> policies = new LinkedHashMap<>();
    Map<String, JsonNode> jobs = new LinkedHashMap<>();
    // checked before anything is written
    Map<Path, JsonNode> documents = new LinkedHashMap<>();
    for (Path file : files) {
      documents.put(file, render(read(file), values));
    }
    for (Map.Entry<Path, JsonNode> entry : documents.entrySet()) {
      if (!isPolicy(entry.getValue())) {
        checkJob(entry.getValue());
        String base = baseName(entry.getKey());
        boolean hasPolicy = documents.keySet().stream().anyMatch(f -> baseName(f).equals(base + "-policy"));
        if (!hasPolicy) {
          throw new DeployException("no IAM policy for job " + entry.getValue().get("Name").textValue() + " ("
              + entry.getKey() + "): expected " + base + "-policy.json among the files");
        }
      }
    }
    try {
      Files.createDirectories(out);
      for (Map.Entry<Path, JsonNode> entry : documents.entrySet()) {
        Path file = entry.getKey();
        JsonNode document = entry.getValue();
        String base = baseName(file);
        if (isPolicy(document)) {
          Path target = out.resolve(base + ".json");
          Files.writeString(target, toJson(document), StandardCharsets.UTF_8);
          rendered.add(new Rendered("policy", file.getFileName().toString(), List.of(target)));
          policies.put(base, target);
        } else {
          Path create = out.resolve(base + ".create.json");
          Path update = out.resolve(base + ".update.json");
          Files.writeString(create, toJson(document), StandardCharsets.UTF_8);
          Files.writeString(update, toJson(updateRequest(document)), StandardCharsets.UTF_8);
          rendered.add(new Rendered("job", document.get("Name").textValue(), List.of(create, update)));
          jobs.put(base, document);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write rendered documents to " + out, e);
    }
    return new Deployment(rendered, roleGrants(jobs, policies));
  }

  /**
   * One entry per distinct role, in the order of the jobs: the jobs that run as it (job name) and
   * the rendered policy of each ({@code policies} by base name, {@code <job>-policy}). A role that
   * runs several jobs needs every one of their policies.
   */
  static List<RoleGrant> roleGrants(Map<String, JsonNode> jobs, Map<String, Path> policies) {
    Map<String, RoleGrant> grants = new LinkedHashMap<>();
    jobs.forEach((base, job) -> {
      String role = job.get("Role").textValue();
      RoleGrant grant = grants.computeIfAbsent(role, r -> new RoleGrant(r, new ArrayList<>(), new ArrayList<>()));
      grant.jobs().add(job.get("Name").textValue());
      grant.policies().add(policies.get(base + "-policy"));
    });
    return grants.values().stream().map(g -> new RoleGrant(g.roleArn(), List.copyOf(g.jobs()),
        List.copyOf(g.policies()))).toList();
  }

  private static String baseName(Path file) {
    return file.getFileName().toString().replaceFirst("\\.json$", "");
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
      Deployment deployment = render(files, values(given), outDir);
      for (Rendered r : deployment.files()) {
        out.println(r.line());
      }
      for (RoleGrant grant : deployment.roles()) {
        out.println(grant.line());
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
