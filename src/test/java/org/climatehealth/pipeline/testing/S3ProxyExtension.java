package org.climatehealth.pipeline.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a running {@link S3ProxyServer}: one per JVM, started on first use, stopped when
 * the test run ends, and injectable as a parameter (for example of a {@code @BeforeAll} method).
 *
 * <p>It also puts the server's test credentials and region in the {@code aws.accessKeyId},
 * {@code aws.secretAccessKey} and {@code aws.region} system properties, where the AWS default
 * provider chain (used by the storage layer and by S3A) finds them.
 */
public final class S3ProxyExtension implements BeforeAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(S3ProxyExtension.class);

  /** The shared server of this JVM, started if need be. */
  public static S3ProxyServer server(ExtensionContext context) {
    return context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(Running.class, key -> Running.start(), Running.class)
        .server();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    server(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == S3ProxyServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server(context);
  }

  /** The server as a resource of the root context, closed when the test run ends. */
  private record Running(S3ProxyServer server) implements ExtensionContext.Store.CloseableResource {

    static Running start() {
      S3ProxyServer server = S3ProxyServer.start();
      System.setProperty("aws.accessKeyId", server.accessKey());
      System.setProperty("aws.secretAccessKey", server.secretKey());
      System.setProperty("aws.region", server.region());
      return new Running(server);
    }

    @Override
    public void close() {
      server.stop();
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
      System.clearProperty("aws.region");
    }
  }
}
