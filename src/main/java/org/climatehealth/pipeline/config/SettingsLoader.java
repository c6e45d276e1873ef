package org.climatehealth.pipeline.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.climatehealth.pipeline.dataset.RawDataset;
import org.climatehealth.pipeline.quality.QualitySettings;
import org.climatehealth.pipeline.storage.InvalidStoreUriException;
import org.climatehealth.pipeline.storage.ObjectNotFoundException;
import org.climatehealth.pipeline.storage.Storage;
import org.climatehealth.pipeline.storage.StorageException;
import org.climatehealth.pipeline.storage.StorageFactory;
import org.climatehealth.pipeline.storage.StoreUri;

/**
 * Builds {@link Settings} from Typesafe Config, layered lowest first: {@code reference.conf} in
 * the jar, then {@code conf/<env>.conf}, then environment variables referenced as {@code ${?VAR}},
 * then {@code --conf KEY=VALUE} overrides. Every value is checked here, once; a problem is a
 * {@link ConfigurationException} naming the key, where its value came from and what is valid.
 *
 * <p>The profile is read from a configuration directory named explicitly, never from the working
 * directory by chance: {@code --conf-dir DIR} (a directory, {@code file:} URI or
 * {@code s3://bucket/prefix}; the profile must be there), else {@code -Dpipeline.conf.dir} or
 * {@code $PIPELINE_CONF_DIR} (as {@code scripts/pipeline} sets them), else {@code conf/} inside the
 * application jar, which is also the fallback for a profile the named local directory lacks.
 */
public final class SettingsLoader {

  public static final String CONF_DIR_PROPERTY = "pipeline.conf.dir";
  public static final String CONF_DIR_VARIABLE = "PIPELINE_CONF_DIR";

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]*");
  private static final Pattern DISEASE = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Pattern REGION = Pattern.compile("[a-z0-9][a-z0-9-]*");
  private static final Set<String> COMMITTERS = Set.of("magic", "runtime");
  private static final Set<String> APPROVALS = Set.of("auto", "manual");
  private static final Set<String> FORMATS = Set.of("parquet", "json", "csv");
  private static final String FREE_FORM = "pipeline.spark.conf";
  private static final long MIN_PART_SIZE = 5L * 1024 * 1024;

  /** A local directory whose profiles come first (may lack them: then the jar's are used), or null. */
  private final Path confDir;
  /** A directory given with --conf-dir (local or on S3) that must hold the profile, or null. */
  private final StoreUri requiredDir;

  /** A loader reading profiles from {@code confDir}, falling back to the copies in the jar. */
  public SettingsLoader(Path confDir) {
    this(confDir, null);
  }

  private SettingsLoader(Path confDir, StoreUri requiredDir) {
    this.confDir = confDir;
    this.requiredDir = requiredDir;
  }

  /**
   * The loader for one invocation: {@code --conf-dir} when given (a path, {@code file:} URI or
   * {@code s3://bucket/prefix}, which must hold the profile), else the directory named by the
   * system property or variable, else only the profiles inside the jar.
   */
  public static SettingsLoader forInvocation(String confDirOption) {
    if (confDirOption != null && !confDirOption.isBlank()) {
      String dir = confDirOption.trim();
      StoreUri uri;
      try {
        String lower = dir.toLowerCase(Locale.ROOT);
        uri = lower.startsWith("s3://") || lower.startsWith("s3a://") || lower.startsWith("file:")
            ? StoreUri.parse(dir) : StoreUri.local(Path.of(dir));
      } catch (InvalidStoreUriException | java.nio.file.InvalidPathException e) {
        throw new ConfigurationException("bad --conf-dir '" + dir + "': " + e.getMessage()
            + " (a directory or s3://BUCKET[/PREFIX])", e);
      }
      return new SettingsLoader(null, uri);
    }
    String dir = System.getProperty(CONF_DIR_PROPERTY);
    if (dir == null || dir.isBlank()) {
      dir = System.getenv(CONF_DIR_VARIABLE);
    }
    return new SettingsLoader(dir == null || dir.isBlank() ? null : Path.of(dir), null);
  }

  /**
   * Loads and validates the settings of profile {@code env} with {@code overrides} applied.
   *
   * @param overrides {@code KEY=VALUE} strings as given to {@code --conf}, applied in order
   */
  public Settings load(String env, List<String> overrides) {
    Config given = parseOverrides(overrides);
    Config merged = given
        .withFallback(profile(env, given))
        .withFallback(ConfigFactory.defaultReferenceUnresolved());
    Config config;
    try {
      config = merged.resolve();
    } catch (ConfigException e) {
      throw new ConfigurationException("bad configuration: " + e.getMessage(), e);
    }
    checkForUnknownKeys(config);
    try {
      return build(env, config);
    } catch (ConfigException e) {
      throw new ConfigurationException("bad configuration: " + e.getMessage(), e);
    }
  }

  /** The profiles this loader can find: {@code *.conf} in the directory and in the jar. */
  public SortedSet<String> availableEnvs() {
    SortedSet<String> names = new TreeSet<>();
    if (requiredDir != null) {
      return names; // not listed: a remote directory is named for one profile
    }
    if (confDir != null && Files.isDirectory(confDir)) {
      try (Stream<Path> files = Files.list(confDir)) {
        files.map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".conf"))
            .forEach(n -> names.add(n.substring(0, n.length() - ".conf".length())));
      } catch (IOException e) {
        // an unreadable directory offers no profiles
      }
    }
    names.addAll(bundledEnvs());
    return names;
  }

  // ----- layers -----

  private Config profile(String env, Config overrides) {
    if (env == null || !ENV_NAME.matcher(env).matches()) {
      throw new ConfigurationException("invalid environment name '" + env
          + "': use letters, digits, '-' or '_'; available: " + String.join(", ", availableEnvs()));
    }
    ConfigParseOptions options = ConfigParseOptions.defaults().setAllowMissing(false);
    if (requiredDir != null) {
      return requiredProfile(env, overrides, options);
    }
    Path file = confDir == null ? Path.of("conf", env + ".conf") : confDir.resolve(env + ".conf");
    try {
      if (confDir != null && Files.isRegularFile(file)) {
        return ConfigFactory.parseFile(file.toFile(), options.setOriginDescription("conf/" + env + ".conf"));
      }
      if (SettingsLoader.class.getClassLoader().getResource("conf/" + env + ".conf") != null) {
        return ConfigFactory.parseResources(SettingsLoader.class.getClassLoader(), "conf/" + env + ".conf",
            options.setOriginDescription("conf/" + env + ".conf (in the application jar)"));
      }
    } catch (ConfigException e) {
      throw new ConfigurationException("cannot read conf/" + env + ".conf: " + e.getMessage(), e);
    }
    throw new ConfigurationException("unknown environment '" + env + "': there is no " + file
        + (confDir == null ? " in the application jar" : "") + "; available: " + String.join(", ", availableEnvs()));
  }

  /**
   * The profile from the {@code --conf-dir} location, which must have it, read through the storage
   * layer; on S3 with the S3 settings of reference.conf and the {@code --conf} overrides (the
   * profile cannot say how to reach itself).
   */
  private Config requiredProfile(String env, Config overrides, ConfigParseOptions options) {
    String location = requiredDir.resolve(env + ".conf").toString();
    String text;
    Config s3Layers = overrides.withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
    try (StorageFactory stores = new StorageFactory(s3(s3Layers));
        Storage dir = stores.open(requiredDir)) {
      text = dir.readText(env + ".conf");
    } catch (ObjectNotFoundException e) {
      throw new ConfigurationException("unknown environment '" + env + "': there is no " + location
          + " (--conf-dir " + requiredDir + ")", e);
    } catch (StorageException | ConfigException e) {
      throw new ConfigurationException("cannot read " + location + ": " + e.getMessage(), e);
    }
    try {
      return ConfigFactory.parseString(text, options.setOriginDescription(location));
    } catch (ConfigException e) {
      throw new ConfigurationException("cannot read " + location + ": " + e.getMessage(), e);
    }
  }

  private static Config parseOverrides(List<String> overrides) {
    Config result = ConfigFactory.empty();
    for (String override : overrides) {
      int eq = override.indexOf('=');
      if (eq <= 0) {
        throw new ConfigurationException("bad --conf '" + override + "': expected KEY=VALUE, e.g. "
            + "--conf pipeline.stores.raw=s3://my-raw");
      }
      String key = override.substring(0, eq).trim();
      String value = override.substring(eq + 1).trim();
      String path = overridePath(key);
      // later overrides win over earlier ones
      result = ConfigFactory.empty().withValue(path, overrideValue(key, value)).withFallback(result);
    }
    return result;
  }

  private static String overridePath(String key) {
    if (key.startsWith("spark.")) {
      // a Spark setting given directly: it belongs in the free-form Spark map
      return FREE_FORM + "." + ConfigUtil.quoteString(key);
    }
    if (!key.startsWith("pipeline.")) {
      throw new ConfigurationException("bad --conf key '" + key
          + "': configuration keys start with 'pipeline.' (or 'spark.' for Spark settings)");
    }
    try {
      ConfigUtil.splitPath(key);
    } catch (ConfigException e) {
      throw new ConfigurationException("bad --conf key '" + key + "': " + e.getMessage(), e);
    }
    return key;
  }

  private static ConfigValue overrideValue(String key, String value) {
    String origin = "--conf " + key;
    if (value.startsWith("[") || value.startsWith("{")) {
      try {
        return ConfigFactory.parseString("v = " + value,
                ConfigParseOptions.defaults().setOriginDescription(origin))
            .getValue("v");
      } catch (ConfigException e) {
        throw new ConfigurationException("bad --conf " + key + ": " + e.getMessage(), e);
      }
    }
    // a plain value is a string: "s3://bucket" must not be read as HOCON (where // starts a comment);
    // typed getters still read "true" as a boolean and "8" as a number
    return ConfigValueFactory.fromAnyRef(value, origin);
  }

  // ----- validation -----

  private static void checkForUnknownKeys(Config config) {
    Config reference = ConfigFactory.defaultReference();
    if (!config.hasPath("pipeline")) {
      return;
    }
    List<String> known = reference.getConfig("pipeline").entrySet().stream()
        .map(e -> "pipeline." + e.getKey()).toList();
    for (Map.Entry<String, ConfigValue> entry : config.getConfig("pipeline").entrySet()) {
      String path = "pipeline." + entry.getKey();
      if (path.startsWith(FREE_FORM + ".") || reference.hasPathOrNull(path)) {
        continue;
      }
      String suggestion = closest(path, known).map(k -> "; did you mean " + k + "?").orElse("");
      throw new ConfigurationException("unknown configuration key " + path + " (set in "
          + entry.getValue().origin().description() + ")" + suggestion);
    }
  }

  private static Settings build(String env, Config c) {
    Settings.Stores stores = new Settings.Stores(
        store(c, "pipeline.stores.raw"), store(c, "pipeline.stores.processed"), store(c, "pipeline.stores.models"));

    S3Settings s3 = s3(c);

    String master = c.getString("pipeline.spark.master").trim();
    if (master.isEmpty()) {
      throw invalid(c, "pipeline.spark.master", "a Spark master such as local[*] or yarn");
    }
    String committer = c.getString("pipeline.spark.s3-committer").trim().toLowerCase(Locale.ROOT);
    if (!COMMITTERS.contains(committer)) {
      throw invalid(c, "pipeline.spark.s3-committer", "one of " + String.join(", ", new TreeSet<>(COMMITTERS)));
    }
    Map<String, String> sparkConf = new LinkedHashMap<>();
    for (Map.Entry<String, ConfigValue> e : c.getConfig(FREE_FORM).entrySet()) {
      sparkConf.put(String.join(".", ConfigUtil.splitPath(e.getKey())), String.valueOf(e.getValue().unwrapped()));
    }
    Settings.SparkSettings spark = new Settings.SparkSettings(master, committer, sparkConf);

    java.time.Duration leaseTtl = c.getDuration("pipeline.lease-ttl");
    if (leaseTtl.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
      throw invalid(c, "pipeline.lease-ttl", "a duration of at least 1s, such as 10m");
    }
    return new Settings(env, stores, s3, spark, diseases(c), models(c), predict(c), leaseTtl, quality(c));
  }

  private static S3Settings s3(Config c) {
    String endpointText = c.getString("pipeline.s3.endpoint").trim();
    Optional<URI> endpoint = endpointText.isEmpty() ? Optional.empty() : Optional.of(endpoint(c, endpointText));
    String region = c.getString("pipeline.s3.region").trim();
    if (!REGION.matcher(region).matches()) {
      throw invalid(c, "pipeline.s3.region", "a region name such as us-east-1 or eu-west-2");
    }
    long threshold = c.getBytes("pipeline.s3.multipart-threshold");
    long partSize = c.getBytes("pipeline.s3.multipart-part-size");
    if (partSize < MIN_PART_SIZE) {
      throw invalid(c, "pipeline.s3.multipart-part-size", "at least 5M (the S3 minimum part size)");
    }
    if (threshold < MIN_PART_SIZE) {
      throw invalid(c, "pipeline.s3.multipart-threshold", "at least 5M");
    }
    int attempts = c.getInt("pipeline.s3.max-attempts");
    if (attempts < 1 || attempts > 50) {
      throw invalid(c, "pipeline.s3.max-attempts", "a whole number from 1 to 50");
    }
    S3Settings s3 = new S3Settings(endpoint, c.getBoolean("pipeline.s3.path-style-access"), region,
        threshold, partSize, attempts, s3Retry(c), s3Encryption(c));
    return s3;
  }

  private static S3Settings.Retry s3Retry(Config c) {
    java.time.Duration interval = positiveDuration(c, "pipeline.s3.retry.interval");
    java.time.Duration maxBackoff = positiveDuration(c, "pipeline.s3.retry.max-backoff");
    if (maxBackoff.compareTo(interval) < 0) {
      throw invalid(c, "pipeline.s3.retry.max-backoff", "at least pipeline.s3.retry.interval ("
          + interval.toMillis() + " ms)");
    }
    int limit = c.getInt("pipeline.s3.retry.limit");
    if (limit < 0 || limit > 100) {
      throw invalid(c, "pipeline.s3.retry.limit", "a whole number from 0 to 100");
    }
    int throttleLimit = c.getInt("pipeline.s3.retry.throttle-limit");
    if (throttleLimit < 0 || throttleLimit > 100) {
      throw invalid(c, "pipeline.s3.retry.throttle-limit", "a whole number from 0 to 100");
    }
    return new S3Settings.Retry(interval, maxBackoff, limit,
        positiveDuration(c, "pipeline.s3.retry.throttle-interval"), throttleLimit,
        c.getBoolean("pipeline.s3.retry.http-5xx"),
        positiveDuration(c, "pipeline.s3.connect-timeout"),
        positiveDuration(c, "pipeline.s3.request-timeout"));
  }

  private static java.time.Duration positiveDuration(Config c, String key) {
    java.time.Duration value = c.getDuration(key);
    if (value.toMillis() < 1) {
      throw invalid(c, key, "a duration of at least 1ms, such as 500ms or 30s");
    }
    return value;
  }

  private static S3Settings.Encryption s3Encryption(Config c) {
    String text = c.getString("pipeline.s3.encryption.algorithm").trim();
    S3Settings.Algorithm algorithm = null;
    for (S3Settings.Algorithm candidate : S3Settings.Algorithm.values()) {
      if (candidate.configName().equalsIgnoreCase(text)) {
        algorithm = candidate;
      }
    }
    if (algorithm == null) {
      throw invalid(c, "pipeline.s3.encryption.algorithm", "\"\" (none), \"SSE-S3\" or \"SSE-KMS\"");
    }
    String key = c.getString("pipeline.s3.encryption.kms-key-id").trim();
    if (!key.isEmpty() && algorithm != S3Settings.Algorithm.SSE_KMS) {
      throw invalid(c, "pipeline.s3.encryption.kms-key-id",
          "empty unless pipeline.s3.encryption.algorithm = \"SSE-KMS\" (a KMS key id is for SSE-KMS only)");
    }
    return new S3Settings.Encryption(algorithm, key.isEmpty() ? Optional.empty() : Optional.of(key));
  }

  private static ModelSettings models(Config c) {
    String approval = c.getString("pipeline.models.approval").trim().toLowerCase(Locale.ROOT);
    if (!APPROVALS.contains(approval)) {
      throw invalid(c, "pipeline.models.approval", "one of " + String.join(", ", new TreeSet<>(APPROVALS)));
    }
    String rule = c.getString("pipeline.models.risk.threshold").trim().toUpperCase(Locale.ROOT);
    if (!rule.equals("SEASONAL") && !rule.equals("ABSOLUTE")) {
      throw invalid(c, "pipeline.models.risk.threshold", "seasonal or absolute");
    }
    double quantile = number(c, "pipeline.models.risk.seasonal.fallback-quantile", 0, 1);
    if (quantile == 0 || quantile == 1) {
      throw invalid(c, "pipeline.models.risk.seasonal.fallback-quantile", "a fraction between 0 and 1, both excluded");
    }
    ModelSettings.Seasonal seasonal = new ModelSettings.Seasonal(
        number(c, "pipeline.models.risk.seasonal.sd", 0, 100),
        whole(c, "pipeline.models.risk.seasonal.min-years", 1, 100), quantile);
    ModelSettings.Risk risk = new ModelSettings.Risk(ModelSettings.ThresholdRule.valueOf(rule), seasonal,
        number(c, "pipeline.models.risk.incidence-threshold-per-100k", 0, Double.MAX_VALUE),
        days(c, "pipeline.models.risk.holdout-days"),
        whole(c, "pipeline.models.risk.backtest-origins", 1, 52),
        number(c, "pipeline.models.risk.min-roc-auc", 0, 1),
        whole(c, "pipeline.models.risk.max-iter", 1, 10_000),
        number(c, "pipeline.models.risk.reg-param", 0, Double.MAX_VALUE));
    double stepSize = number(c, "pipeline.models.forecast.step-size", 0, 1);
    if (stepSize == 0) {
      throw invalid(c, "pipeline.models.forecast.step-size", "a number above 0, at most 1");
    }
    ModelSettings.Forecast forecast = new ModelSettings.Forecast(
        days(c, "pipeline.models.forecast.holdout-days"),
        whole(c, "pipeline.models.forecast.backtest-origins", 1, 52),
        number(c, "pipeline.models.forecast.max-mae-ratio", 0, Double.MAX_VALUE),
        whole(c, "pipeline.models.forecast.max-iter", 1, 10_000),
        // Spark's decision trees go no deeper than 30
        whole(c, "pipeline.models.forecast.max-depth", 1, 30),
        stepSize);
    String data = c.getString("pipeline.models.abalone.data").trim();
    double testFraction = number(c, "pipeline.models.abalone.test-fraction", 0, 1);
    if (testFraction <= 0 || testFraction >= 1) {
      throw invalid(c, "pipeline.models.abalone.test-fraction", "a fraction between 0 and 1, both excluded");
    }
    ModelSettings.Abalone abalone = new ModelSettings.Abalone(data.isEmpty() ? Optional.empty() : Optional.of(data),
        testFraction, c.getLong("pipeline.models.abalone.seed"),
        number(c, "pipeline.models.abalone.max-mse", 0, Double.MAX_VALUE));
    return new ModelSettings(approval.equals("auto"), risk, forecast, abalone);
  }

  private static PredictSettings predict(Config c) {
    String format = c.getString("pipeline.predict.format").trim().toLowerCase(Locale.ROOT);
    if (!FORMATS.contains(format)) {
      throw invalid(c, "pipeline.predict.format", "one of " + String.join(", ", new TreeSet<>(FORMATS)));
    }
    double medium = number(c, "pipeline.predict.risk-levels.medium", 0, 1);
    double high = number(c, "pipeline.predict.risk-levels.high", 0, 1);
    double critical = number(c, "pipeline.predict.risk-levels.critical", 0, 1);
    if (!(medium <= high && high <= critical)) {
      throw invalid(c, "pipeline.predict.risk-levels", "medium <= high <= critical");
    }
    return new PredictSettings(format, medium, high, critical,
        number(c, "pipeline.predict.hospitalisation-share", 0, 1));
  }

  private static double number(Config c, String key, double min, double max) {
    double value;
    try {
      value = c.getDouble(key);
    } catch (ConfigException.WrongType e) {
      throw invalid(c, key, "a number");
    }
    if (Double.isNaN(value) || value < min || value > max) {
      throw invalid(c, key, max == Double.MAX_VALUE ? "a number at least " + min : "a number from " + min + " to " + max);
    }
    return value;
  }

  /** A whole number from min to max; 2.5 is refused (Typesafe Config's getInt would truncate it to 2). */
  private static int whole(Config c, String key, int min, int max) {
    return whole(c, key, min, max, "a whole number from " + min + " to " + max);
  }

  private static int whole(Config c, String key, int min, int max, String expected) {
    double value;
    try {
      value = c.getDouble(key);
    } catch (ConfigException.WrongType e) {
      throw invalid(c, key, expected);
    }
    if (value != Math.rint(value) || value < min || value > max) {
      throw invalid(c, key, expected);
    }
    return (int) value;
  }

  private static int days(Config c, String key) {
    return whole(c, key, 1, 3650, "a whole number of days from 1 to 3650");
  }

  private static StoreUri store(Config c, String key) {
    String value = c.getString(key);
    try {
      return StoreUri.parse(value);
    } catch (InvalidStoreUriException e) {
      throw new ConfigurationException("bad " + key + " (set in " + c.getValue(key).origin().description()
          + "): " + e.getMessage(), e);
    }
  }

  private static URI endpoint(Config c, String text) {
    try {
      URI uri = new URI(text);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
        return uri;
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    throw invalid(c, "pipeline.s3.endpoint", "empty (AWS) or an http(s) URL such as http://127.0.0.1:9000");
  }

  private static QualitySettings quality(Config c) {
    String base = "pipeline.quality";
    int historyRuns = c.getInt(base + ".history-runs");
    if (historyRuns < 1 || historyRuns > 100) {
      throw invalid(c, base + ".history-runs", "a whole number of runs from 1 to 100");
    }
    String reference = c.getString(base + ".freshness-reference").trim().toLowerCase(Locale.ROOT);
    if (!reference.equals("data") && !reference.equals("today")) {
      throw invalid(c, base + ".freshness-reference", "one of data, today");
    }
    Map<String, QualitySettings.DatasetChecks> datasets = new LinkedHashMap<>();
    for (String dataset : QualitySettings.DATASETS) {
      String prefix = base + "." + dataset + ".";
      QualitySettings.RowCount rowCount = QualitySettings.RowCount.OFF;
      if (c.hasPath(prefix + "row-count")) {
        long min = c.getLong(prefix + "row-count.min");
        long max = c.getLong(prefix + "row-count.max");
        if (min < 0) {
          throw invalid(c, prefix + "row-count.min", "a whole number of rows, at least 0");
        }
        if (max < 0 || (max > 0 && max < min)) {
          throw invalid(c, prefix + "row-count.max", "0 (no upper bound) or a whole number at least row-count.min");
        }
        rowCount = new QualitySettings.RowCount(level(c, prefix + "row-count.level"), min, max);
      }
      QualitySettings.Completeness completeness = QualitySettings.Completeness.OFF;
      if (c.hasPath(prefix + "completeness")) {
        List<String> columns = c.getStringList(prefix + "completeness.columns").stream()
            .map(s -> s.trim().toLowerCase(Locale.ROOT)).toList();
        List<String> optional = RawDataset.valueOf(dataset.toUpperCase(Locale.ROOT)).columns().stream()
            .filter(col -> !col.required()).map(RawDataset.Column::name).toList();
        for (String column : columns) {
          if (!optional.contains(column)) {
            throw invalid(c, prefix + "completeness.columns", "optional columns of " + dataset + ": "
                + String.join(", ", optional) + " (got '" + column + "')");
          }
        }
        completeness = new QualitySettings.Completeness(level(c, prefix + "completeness.level"),
            number(c, prefix + "completeness.min-share", 0, 1), columns);
      }
      QualitySettings.Check freshness = check(c, prefix + "freshness", "max-age-days", 0, 36500);
      if (freshness.enabled() && freshness.threshold() != Math.rint(freshness.threshold())) {
        throw invalid(c, prefix + "freshness.max-age-days", "a whole number of days");
      }
      datasets.put(dataset, new QualitySettings.DatasetChecks(rowCount,
          check(c, prefix + "row-drop", "min-ratio", 0, 1),
          freshness,
          completeness,
          check(c, prefix + "quarantine-share", "max-share", 0, 1),
          check(c, prefix + "known-location", "min-share", 0, 1)));
    }
    return new QualitySettings(historyRuns, QualitySettings.FreshnessReference.valueOf(reference.toUpperCase(Locale.ROOT)),
        datasets);
  }

  /** A quality check {@code key} with its level and one threshold; OFF when the dataset has no such check. */
  private static QualitySettings.Check check(Config c, String key, String threshold, double min, double max) {
    if (!c.hasPath(key)) {
      return QualitySettings.Check.OFF;
    }
    return new QualitySettings.Check(level(c, key + ".level"), number(c, key + "." + threshold, min, max));
  }

  private static QualitySettings.Level level(Config c, String key) {
    String level = c.getString(key).trim().toLowerCase(Locale.ROOT);
    return switch (level) {
      case "off" -> QualitySettings.Level.OFF;
      case "warn" -> QualitySettings.Level.WARN;
      case "error" -> QualitySettings.Level.ERROR;
      default -> throw invalid(c, key, "one of off, warn, error");
    };
  }

  private static List<String> diseases(Config c) {
    List<String> raw = c.getStringList("pipeline.diseases");
    Set<String> seen = new LinkedHashSet<>();
    for (String value : raw) {
      String disease = value.trim().toLowerCase(Locale.ROOT);
      if (!DISEASE.matcher(disease).matches()) {
        throw invalid(c, "pipeline.diseases", "names of lower-case letters, digits and '_' (got '" + value + "')");
      }
      if (!seen.add(disease)) {
        throw invalid(c, "pipeline.diseases", "distinct names ('" + disease + "' appears twice)");
      }
    }
    if (seen.isEmpty()) {
      throw invalid(c, "pipeline.diseases", "at least one disease");
    }
    return new ArrayList<>(seen);
  }

  private static ConfigurationException invalid(Config c, String key, String expected) {
    ConfigValue value = c.getValue(key);
    return new ConfigurationException("bad " + key + " = " + value.render().replace('\n', ' ') + " (set in "
        + value.origin().description() + "): expected " + expected);
  }

  /** The known key nearest to {@code key} by edit distance, when it is near enough to be a typo. */
  private static Optional<String> closest(String key, List<String> known) {
    return known.stream()
        .min(Comparator.comparingInt(k -> distance(k, key)))
        .filter(k -> distance(k, key) <= Math.max(2, key.length() / 4));
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  private static Set<String> bundledEnvs() {
    URL dir = SettingsLoader.class.getClassLoader().getResource("conf/local.conf");
    if (dir == null) {
      return Set.of();
    }
    Set<String> names = new TreeSet<>();
    try {
      if ("jar".equals(dir.getProtocol())) {
        JarURLConnection connection = (JarURLConnection) dir.openConnection();
        connection.setUseCaches(false);
        try (var jar = connection.getJarFile()) {
          jar.stream().map(e -> e.getName())
              .filter(n -> n.startsWith("conf/") && n.endsWith(".conf") && n.indexOf('/', 5) < 0)
              .forEach(n -> names.add(n.substring(5, n.length() - 5)));
        }
      } else if ("file".equals(dir.getProtocol())) {
        try (Stream<Path> files = Files.list(Path.of(dir.toURI()).getParent())) {
          files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf"))
              .forEach(n -> names.add(n.substring(0, n.length() - 5)));
        }
      }
    } catch (IOException | URISyntaxException e) {
      return Collections.unmodifiableSet(names);
    }
    return names;
  }
}
