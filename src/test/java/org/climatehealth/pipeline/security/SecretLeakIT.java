package org.climatehealth.pipeline.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.climatehealth.pipeline.testing.S3ProxyServer;
import org.climatehealth.pipeline.testing.ScriptRun;
import org.climatehealth.pipeline.testing.TestSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Credentials never leak (issue 7, security): every command of the CLI, succeeding and failing,
 * runs as {@code scripts/pipeline} in a child process with distinctive secrets in its environment
 * ({@code AWS_ACCESS_KEY_ID}, {@code AWS_SECRET_ACCESS_KEY}, {@code AWS_SESSION_TOKEN}) against an
 * S3Proxy whose credentials are those values; then stdout, stderr, every file under the working
 * directory (logs, local stores, Spark's leftovers) and every object (key, bytes, user metadata)
 * in every bucket are searched for each secret, raw and encoded (URL, base64 at every alignment,
 * hex, JSON-escaped). {@code run} (process, train, predict) and {@code scan} go at DEBUG for the
 * AWS SDK, S3A, the committers and the pipeline.
 *
 * <p>Every child also has {@code AWS_ENDPOINT_URL}, {@code AWS_ENDPOINT_URL_S3}, the
 * {@code aws.endpointUrl} system property and a profile {@code endpoint_url} pointing at a decoy
 * HTTP server: requests go only where {@code pipeline.s3.endpoint} says (with none configured: AWS
 * itself), so the decoy must see no request at all.
 */
class SecretLeakIT {
  // distinctive values that appear nowhere else; the secret holds '/' and '+' as AWS secrets do,
  // so that its URL-encoded and JSON-escaped forms differ from it
  private static final String ACCESS_KEY = "AKIALEAKTEST7QX3ZZ9";
  private static final String SECRET_KEY = "leak/Test+Secret9f3b2c71e4a8d605XqZ";
  private static final String SESSION_TOKEN = "IQoJleakTestSessionToken5e1c9a7b/3d2f+Q8wVtk";
  private static final String WRONG_SECRET = "wrong/Leak+Secret0c4d8e2a6b1f9374RsW";
  private static final Map<String, String> SECRETS = Map.of(
      "access key id", ACCESS_KEY, "secret access key", SECRET_KEY, "session token", SESSION_TOKEN,
      "wrong secret access key", WRONG_SECRET);
  // generous: a loaded 2-core machine runs Spark several times slower
  private static final Duration TIMEOUT = Duration.ofSeconds(900);

  @TempDir static Path temp;

  private static S3ProxyServer s3;
  private static HttpServer decoy;
  private static final AtomicInteger DECOY_REQUESTS = new AtomicInteger();
  private static Path workDir;
  private static String raw;
  private static String processed;
  private static String models;
  private static final Map<String, Double> SECONDS = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws IOException {
    s3 = S3ProxyServer.startWithCredentials(ACCESS_KEY, SECRET_KEY);
    raw = s3.newBucket();
    processed = s3.newBucket();
    models = s3.newBucket();
    decoy = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    decoy.createContext("/", exchange -> {
      DECOY_REQUESTS.incrementAndGet();
      exchange.sendResponseHeaders(500, -1);
      exchange.close();
    });
    decoy.start();
    workDir = Files.createDirectories(temp.resolve("work"));
  }

  @AfterAll
  static void stop() {
    if (decoy != null) {
      decoy.stop(0);
    }
    if (s3 != null) {
      s3.stop();
    }
  }

  @Test
  void noCommandWritesASecretAnywhere() throws Exception {
    long started = System.nanoTime();
    List<String> conf = new ArrayList<>(List.of(
        "--conf", "pipeline.stores.raw=s3://" + raw,
        "--conf", "pipeline.stores.processed=s3://" + processed + "/store",
        "--conf", "pipeline.stores.models=s3://" + models,
        "--conf", "pipeline.s3.endpoint=" + s3.endpoint(), "--conf", "pipeline.s3.path-style-access=true",
        "--conf", "spark.ui.enabled=false", "--conf", "spark.sql.shuffle.partitions=2",
        "--conf", "pipeline.spark.master=local[2]",
        // this test is about secrets, not model quality: small data, gates that pass
        "--conf", "pipeline.models.risk.min-roc-auc=0", "--conf", "pipeline.models.forecast.max-mae-ratio=1000",
        "--conf", "pipeline.models.risk.holdout-days=28", "--conf", "pipeline.models.forecast.holdout-days=28",
        "--conf", "pipeline.models.risk.backtest-origins=1", "--conf", "pipeline.models.forecast.backtest-origins=1"));
    conf.addAll(TestSettings.quickModelOptions());
    Map<String, String> ok = environment(SECRET_KEY);
    Map<String, String> debug = new LinkedHashMap<>(ok);
    debug.put("PIPELINE_LOG_CONFIG", debugLogConfig().toString());
    List<String> ran = new ArrayList<>();

    // succeeding commands
    expect(0, ok, ran, "--help");
    expect(0, ok, ran, "--version");
    expect(0, ok, ran, "run", "--help");
    expect(0, ok, ran, with(conf, "generate", "--locations", "4", "--days", "120", "--start-date", "2023-04-01"));
    // process, train (risk, forecast), predict: the SDK, S3A and the magic committer at DEBUG
    expect(0, debug, ran, with(conf, "run", "--run-id", "leak-run"));
    expect(0, debug, ran, with(conf, "scan", "--run-id", "leak-scan"));
    expect(0, ok, ran, with(conf, "models", "list"));
    expect(0, ok, ran, with(conf, "models", "show", "risk"));
    expect(0, ok, ran, with(conf, "models", "reject", "forecast", "1", "--by", "leak-test", "--reason", "test"));
    expect(0, ok, ran, with(conf, "storage", "stats"));
    expect(0, ok, ran, with(conf, "storage", "ls", "processed:_runs/"));
    expect(0, ok, ran, with(conf, "storage", "exists", "raw:raw/locations.csv"));
    expect(0, ok, ran, with(conf, "storage", "cat", "processed:_runs/run/leak-run.json"));
    expect(0, ok, ran, with(conf, "storage", "mkdir", "processed:leak-folder"));
    expect(0, ok, ran, with(conf, "storage", "rm", "-r", "processed:leak-folder"));
    Path source = migrationSource();
    expect(0, ok, ran, with(conf, "migrate", "--source", source.toString(), "--dry-run"));
    expect(0, ok, ran, with(conf, "migrate", "--source", source.toString(), "--run-id", "leak-migrate"));

    // failing commands
    Map<String, String> wrong = environment(WRONG_SECRET);
    expect(1, wrong, ran, with(conf, "storage", "ls", "raw:"));                  // access denied
    expect(1, wrong, ran, with(conf, "predict", "--run-id", "leak-denied"));     // access denied
    expect(1, ok, ran, with(conf, "scan").and("--conf", "pipeline.stores.raw=s3://no-such-bucket-leak"));
    s3.client().putObject(b -> b.bucket(raw).key("bad/raw/locations.csv"),
        RequestBody.fromString("location_id,location_name,state_code\nKA-BLR,Bengaluru,KA\n"));
    expect(2, ok, ran, with(conf, "process").and("--conf", "pipeline.stores.raw=s3://" + raw + "/bad",
        "--conf", "pipeline.stores.processed=s3://" + processed + "/bad"));        // population missing
    expect(2, ok, ran, with(conf, "predict").and("--conf", "pipeline.lease-ttl=forever"));
    expect(2, ok, ran, with(conf, "storage", "stats")
        .and("--conf", "pipeline.stores.raw=s3://" + ACCESS_KEY + ":" + SECRET_KEY + "@" + raw));
    expect(2, ok, ran, with(conf, "storage", "ls", "s3://" + ACCESS_KEY + ":" + SECRET_KEY + "@" + raw + "/raw/"));
    expect(2, ok, ran, with(conf, "storage", "stats")
        .and("--conf", "pipeline.s3.endpoint=http://" + ACCESS_KEY + ":" + urlEncoded(SECRET_KEY) + "@127.0.0.1:9"));
    expect(2, ok, ran, with(conf, "models", "approve", "ghost", "1"));
    expect(2, ok, ran, with(conf, "storage", "ls", "--no-such-option"));
    // no endpoint configured: AWS itself (unreachable here, or refusing these keys), never the decoy
    ScriptRun aws = expectFailure(ok, ran, "storage", "ls", "raw:", "--conf", "pipeline.stores.raw=s3://" + raw);

    List<String> hits = new ArrayList<>();
    scanFiles(workDir, hits);
    scanObjects(s3.client(), hits);
    System.out.printf("SecretLeakIT: %d commands in %.1f s; per command: %s%n", ran.size(),
        (System.nanoTime() - started) / 1e9, SECONDS);

    assertThat(hits).as("secrets found").isEmpty();
    assertThat(DECOY_REQUESTS.get()).as("requests that followed AWS_ENDPOINT_URL & co. to the decoy").isZero();
    assertThat(aws.err()).doesNotContain("127.0.0.1:" + decoy.getAddress().getPort());
    assertThat(ran).hasSize(28);
  }

  /** The child's environment: the secrets, and every endpoint setting but ours pointing at the decoy. */
  private static Map<String, String> environment(String secret) throws IOException {
    String decoyUrl = "http://127.0.0.1:" + decoy.getAddress().getPort();
    Path awsConfig = temp.resolve("aws-config");
    Files.writeString(awsConfig, "[default]\nendpoint_url = " + decoyUrl + "\n");
    Map<String, String> env = new LinkedHashMap<>();
    env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", secret);
    env.put("AWS_SESSION_TOKEN", SESSION_TOKEN);
    env.put("AWS_ENDPOINT_URL", decoyUrl);
    env.put("AWS_ENDPOINT_URL_S3", decoyUrl);
    env.put("AWS_CONFIG_FILE", awsConfig.toString());
    env.put("PIPELINE_JAVA_OPTS", "-Xmx1g -Daws.endpointUrl=" + decoyUrl);
    return env;
  }

  /** Log4j at DEBUG for the pipeline, the AWS SDK and S3A, to stderr. */
  private static Path debugLogConfig() throws IOException {
    Path file = temp.resolve("log4j2-debug.properties");
    Files.writeString(file, String.join("\n",
        "status = warn",
        "appender.console.type = Console",
        "appender.console.name = stderr",
        "appender.console.target = SYSTEM_ERR",
        "appender.console.layout.type = PatternLayout",
        "appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5level %c: %msg%n",
        "rootLogger.level = info",
        "rootLogger.appenderRef.stderr.ref = stderr",
        "logger.pipeline.name = org.climatehealth.pipeline",
        "logger.pipeline.level = debug",
        "logger.awssdk.name = software.amazon.awssdk",
        "logger.awssdk.level = debug",
        "logger.s3a.name = org.apache.hadoop.fs.s3a",
        "logger.s3a.level = debug",
        "logger.committer.name = org.apache.hadoop.mapreduce.lib.output",
        "logger.committer.level = debug",
        ""));
    return file;
  }

  private static Path migrationSource() throws IOException {
    Path source = temp.resolve("seed");
    Files.createDirectories(source.resolve("data/raw"));
    Files.writeString(source.resolve("data/raw/notes.txt"), "seed data\n");
    return source;
  }

  /** The command, then the common options; {@link Args#and} appends overrides, which win. */
  private static Args with(List<String> conf, String... command) {
    List<String> args = new ArrayList<>(Arrays.asList(command));
    args.addAll(conf);
    return new Args(args);
  }

  private record Args(List<String> list) {
    Args and(String... overrides) {
      List<String> all = new ArrayList<>(list);
      all.addAll(Arrays.asList(overrides));
      return new Args(all);
    }

    String[] array() {
      return list.toArray(String[]::new);
    }
  }

  private static ScriptRun expect(int exitCode, Map<String, String> env, List<String> ran, Args args) {
    return expect(exitCode, env, ran, args.array());
  }

  private static ScriptRun expect(int exitCode, Map<String, String> env, List<String> ran, String... args) {
    ScriptRun run = pipeline(env, ran, args);
    assertThat(run.exitCode()).as("exit code of %s; stderr:%n%s", String.join(" ", args), run.err())
        .isEqualTo(exitCode);
    return run;
  }

  private static ScriptRun expectFailure(Map<String, String> env, List<String> ran, String... args) {
    ScriptRun run = pipeline(env, ran, args);
    assertThat(run.exitCode()).as("exit code of %s; stderr:%n%s", String.join(" ", args), run.err())
        .isNotZero();
    return run;
  }

  private static ScriptRun pipeline(Map<String, String> env, List<String> ran, String... args) {
    List<String> command = new ArrayList<>();
    command.add(ScriptRun.HOME.resolve("scripts/pipeline").toString());
    command.addAll(Arrays.asList(args));
    long start = System.nanoTime();
    ScriptRun run = ScriptRun.run(workDir, env, TIMEOUT, command);
    String name = args[0].startsWith("-") ? args[0] : args[0] + (args.length > 1 && !args[1].startsWith("--") ? " " + args[1] : "");
    SECONDS.merge(name, Math.round((System.nanoTime() - start) / 1e8) / 10.0, Double::sum);
    ran.add(String.join(" ", args));
    return run;
  }

  /** Every way a secret could be written: as is, URL-encoded, JSON-escaped, hex, base64 at any alignment. */
  static Map<String, String> forms(String secret) {
    Map<String, String> forms = new LinkedHashMap<>();
    forms.put("plain", secret);
    forms.put("URL-encoded", urlEncoded(secret));
    forms.put("JSON-escaped", secret.replace("/", "\\/"));
    forms.put("hex", HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8)));
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    for (int skip = 0; skip < 3; skip++) {
      byte[] tail = Arrays.copyOfRange(bytes, skip, bytes.length);
      int whole = tail.length / 3 * 4; // the part that does not depend on what follows
      forms.put("base64+" + skip, Base64.getEncoder().encodeToString(tail).substring(0, whole));
      forms.put("base64url+" + skip, Base64.getUrlEncoder().encodeToString(tail).substring(0, whole));
    }
    return forms;
  }

  private static String urlEncoded(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static void scan(String where, String text, List<String> hits) {
    SECRETS.forEach((name, secret) -> forms(secret).forEach((form, needle) -> {
      if (text.contains(needle)) {
        hits.add(name + " (" + form + ") in " + where);
      }
    }));
  }

  private static void scanFiles(Path root, List<String> hits) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(Files::isRegularFile).forEach(file -> {
        try {
          scan(root.relativize(file).toString(), file.getFileName() + "\n"
              + new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1), hits);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }

  private static void scanObjects(S3Client client, List<String> hits) {
    int objects = 0;
    for (Bucket bucket : client.listBuckets().buckets()) {
      for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket.name())).contents()) {
        ResponseBytes<GetObjectResponse> bytes = client.getObjectAsBytes(b -> b.bucket(bucket.name()).key(object.key()));
        String where = "s3://" + bucket.name() + "/" + object.key();
        scan(where, object.key() + "\n" + bytes.response().metadata() + "\n"
            + new String(bytes.asByteArray(), StandardCharsets.ISO_8859_1), hits);
        objects++;
      }
    }
    System.out.printf("SecretLeakIT: scanned %d objects%n", objects);
    assertThat(objects).as("objects written to the stores").isGreaterThan(50);
  }
}
