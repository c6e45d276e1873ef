package org.climatehealth.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.climatehealth.pipeline.config.S3Settings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 API server for integration tests: S3Proxy over a temporary directory, run as a child
 * process ({@code java -jar s3proxy.jar}, the jar named by the {@code s3proxy.jar} system property
 * that Maven sets) on a free loopback port. Its output goes to a log file under {@code target/}.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String REGION = "us-east-1";
  private static final String ACCESS_KEY = "s3proxy-test-access-key";
  private static final String SECRET_KEY = "s3proxy-test-secret-key";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);
  private static final long MIB = 1024 * 1024;
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private final Process process;
  private final int port;
  private final String accessKey;
  private final String secretKey;
  private final Path basedir;
  private final Path log;
  private final S3Client admin;
  private final Thread shutdownHook;

  private S3ProxyServer(Process process, int port, Path basedir, Path log, String accessKey, String secretKey) {
    this.process = process;
    this.port = port;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.basedir = basedir;
    this.log = log;
    this.admin = S3Client.builder()
        .endpointOverride(URI.create(endpoint()))
        .forcePathStyle(true)
        .region(Region.of(REGION))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)))
        .build();
    this.shutdownHook = new Thread(this::destroyProcess, "s3proxy-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Starts a server that requires AWS signatures and waits until it answers HTTP requests. */
  public static S3ProxyServer start() {
    return start(true, ACCESS_KEY, SECRET_KEY, false);
  }

  /**
   * Starts a server that requires AWS signatures made with these credentials (for tests that need
   * values of their own, such as distinctive secrets to search for in every output). It also takes
   * requests signed with a session token: S3Proxy does not know {@code x-amz-security-token} and
   * would answer 501, so this server ignores headers it does not know.
   */
  public static S3ProxyServer startWithCredentials(String accessKey, String secretKey) {
    return start(true, accessKey, secretKey, true);
  }

  /** Starts a server that takes anonymous requests (s3proxy.authorization=none). */
  public static S3ProxyServer startWithoutAuthorization() {
    return start(false, ACCESS_KEY, SECRET_KEY, false);
  }

  private static S3ProxyServer start(boolean authorization, String accessKey, String secretKey,
      boolean ignoreUnknownHeaders) {
    Path jar = jar();
    try {
      int port = freePort();
      Path basedir = Files.createTempDirectory("s3proxy-data-");
      Path logDir = jar.toAbsolutePath().getParent();
      Path log = logDir.resolve("s3proxy-" + port + ".log");
      Path properties = logDir.resolve("s3proxy-" + port + ".properties");
      Files.writeString(properties, String.join("\n",
          "s3proxy.endpoint=http://127.0.0.1:" + port,
          "s3proxy.authorization=" + (authorization ? "aws-v2-or-v4" : "none"),
          "s3proxy.identity=" + accessKey,
          "s3proxy.credential=" + secretKey,
          "s3proxy.ignore-unknown-headers=" + ignoreUnknownHeaders,
          "jclouds.provider=filesystem",
          "jclouds.filesystem.basedir=" + basedir,
          ""), StandardCharsets.UTF_8);
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process process = new ProcessBuilder(java.toString(), "-Xmx256m", "-jar", jar.toString(),
          "--properties", properties.toString())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      S3ProxyServer server = new S3ProxyServer(process, port, basedir, log, accessKey, secretKey);
      try {
        server.awaitReady();
      } catch (RuntimeException e) {
        server.stop();
        throw e;
      }
      return server;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start S3Proxy from " + jar, e);
    }
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  public String region() {
    return REGION;
  }

  /**
   * Settings for this server: path-style, us-east-1, and a 5 MiB multipart threshold and part
   * size (S3's minimum) so that tests exercise multipart transfers with ~12 MB files.
   */
  public S3Settings s3Settings() {
    return new S3Settings(Optional.of(URI.create(endpoint())), true, REGION, 5 * MIB, 5 * MIB, 3);
  }

  /** A client with this server's test credentials, for setting up and inspecting tests. */
  public S3Client client() {
    return admin;
  }

  public void createBucket(String name) {
    admin.createBucket(b -> b.bucket(name));
  }

  /** Creates a bucket with a new unique name and returns the name. */
  public String newBucket() {
    String name = "it-" + BUCKETS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 8);
    createBucket(name);
    return name;
  }

  /** Stops the server (and anything it started) and removes its data. */
  public void stop() {
    admin.close();
    destroyProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or has run
    }
    deleteRecursively(basedir);
  }

  @Override
  public void close() {
    stop();
  }

  private void destroyProcess() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest ping = HttpRequest.newBuilder(URI.create(endpoint() + "/")).timeout(Duration.ofSeconds(5)).build();
    long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("S3Proxy exited with code " + process.exitValue()
            + " before accepting requests; log " + log + ":\n" + logTail());
      }
      try {
        http.send(ping, HttpResponse.BodyHandlers.discarding()); // any HTTP answer (403 too) means ready
        return;
      } catch (IOException notYet) {
        sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for S3Proxy", e);
      }
    }
    throw new IllegalStateException("S3Proxy did not accept requests on " + endpoint() + " within "
        + STARTUP_TIMEOUT.toSeconds() + " s; log " + log + ":\n" + logTail());
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  private static Path jar() {
    String property = System.getProperty("s3proxy.jar");
    Path jar = Path.of(property != null ? property : "target/s3proxy/s3proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("S3Proxy jar not found at " + jar.toAbsolutePath()
          + ": run `mvn -o generate-test-resources` (Maven copies it there and sets -Ds3proxy.jar)");
    }
    return jar;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for S3Proxy", e);
    }
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: it is a temporary directory
    }
  }

  @Override
  public String toString() {
    return "S3ProxyServer[" + endpoint() + "]";
  }
}
