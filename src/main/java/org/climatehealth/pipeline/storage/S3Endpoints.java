package org.climatehealth.pipeline.storage;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.climatehealth.pipeline.config.S3Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where S3 requests go: {@code pipeline.s3.endpoint}, or for AWS itself the region's own HTTPS
 * endpoint, and nothing else.
 *
 * <p>Left to itself the AWS SDK (and so S3A, which builds its clients with it) takes an endpoint
 * from {@code AWS_ENDPOINT_URL}, {@code AWS_ENDPOINT_URL_S3}, the {@code aws.endpointUrl} system
 * property or a profile's {@code endpoint_url} whenever the client is given none; the SDK of this
 * build (2.29) has no switch to turn that off. So both the SDK clients and S3A are always given
 * the endpoint explicitly, which the SDK puts before every one of those: data and credentials go
 * only where the configuration says.
 */
public final class S3Endpoints {
  private static final Logger LOG = LoggerFactory.getLogger(S3Endpoints.class);
  private static final Set<URI> WARNED = ConcurrentHashMap.newKeySet();

  private S3Endpoints() {}

  /**
   * The configured endpoint, or with none the regional AWS endpoint over HTTPS
   * ({@code https://s3.REGION.amazonaws.com}, the partition's suffix for China and GovCloud).
   */
  public static URI effective(S3Settings settings) {
    return settings.endpoint().orElseGet(() -> aws(settings.region()));
  }

  /** The AWS S3 endpoint of a region over HTTPS, from the SDK's own metadata (not the environment). */
  public static URI aws(String region) {
    String host = S3Client.serviceMetadata().endpointFor(Region.of(region)).toString();
    int slash = host.indexOf('/');
    if (slash >= 0) {
      host = host.substring(0, slash);
    }
    if (!host.contains(region)) {
      // us-east-1's global name (s3.amazonaws.com): the regional name is valid as well and keeps S3A
      // from treating it as the central endpoint, which it leaves to the SDK to resolve
      host = host.replaceFirst("^s3\\.", "s3." + region + ".");
    }
    return URI.create("https://" + host);
  }

  /** True for a configured {@code http://} endpoint: requests and data travel unencrypted. */
  public static boolean plainHttp(S3Settings settings) {
    return settings.endpoint()
        .map(endpoint -> "http".equals(String.valueOf(endpoint.getScheme()).toLowerCase(Locale.ROOT)))
        .orElse(false);
  }

  /** True when {@code endpoint}'s host is this machine (localhost or a loopback address). */
  static boolean isLocal(URI endpoint) {
    String host = endpoint.getHost();
    if (host == null) {
      return false;
    }
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (!literal.matches("[0-9.]+|[0-9a-fA-F:]+")) {
      return false; // a name: not resolved here, a name may point anywhere
    }
    try {
      return InetAddress.getByName(literal).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * Logs a warning, once per endpoint, when the configured endpoint is plain HTTP to another
   * machine: allowed (an S3-compatible server inside a trusted network), but never the default.
   * Returns whether it warned.
   */
  public static boolean warnIfInsecure(S3Settings settings) {
    if (!plainHttp(settings)) {
      return false;
    }
    URI endpoint = settings.endpoint().orElseThrow();
    if (isLocal(endpoint)) {
      return false;
    }
    if (WARNED.add(endpoint)) {
      LOG.warn("pipeline.s3.endpoint {} is plain http to another machine: requests and data are not "
          + "encrypted in transit; use https unless the network is trusted", endpoint);
    }
    return true;
  }
}
