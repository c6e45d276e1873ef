package org.climatehealth.pipeline.testing;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.Options;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A fault-injecting HTTP proxy for S3 tests: WireMock as a reverse proxy in front of a real S3 API
 * server ({@link S3ProxyServer}), which answers some requests itself with a fault instead of
 * passing them on, by {@linkplain Rule rules} that count the requests they match (deterministic:
 * "every Nth" or "the first K", never random).
 *
 * <p>A faulted request never reaches the server: the fault stands for a request that failed before
 * S3 did anything, as a 503 SlowDown, a 500 InternalError, a reset connection or a garbled answer
 * from a load balancer. A {@linkplain Kind#SLOW slow} answer is passed on after a pause. Clients
 * use {@link #endpoint()} with path-style addressing; the proxy keeps the {@code Host} header, so
 * AWS signatures made for the proxy's address still verify at the server.
 */
public final class FaultProxy implements AutoCloseable {

  /** What goes wrong. */
  public enum Kind {
    /** HTTP 503 with S3's {@code SlowDown} error body (throttling). */
    SLOW_DOWN,
    /** HTTP 500 with S3's {@code InternalError} error body. */
    INTERNAL_ERROR,
    /** The connection is reset (TCP RST) instead of an answer. */
    CONNECTION_RESET,
    /** An OK status line, then random bytes, then the connection closes: a garbled, truncated answer. */
    GARBLED,
    /** A chunked answer with a malformed chunk. */
    MALFORMED_CHUNK,
    /** The server's answer, passed on after {@link Rule#delayMillis()}. */
    SLOW
  }

  /**
   * A fault for requests that {@code matches}: the first {@code first} of them, and in every run of
   * {@code every} of them the last {@code burst} (0: not used; a burst of 1 is every {@code every}-th);
   * {@link #always} for all of them.
   */
  public record Rule(Kind kind, String description, Predicate<Request> matches, int first, int every, int burst,
      int delayMillis) {
    public Rule {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(matches, "matches");
      if (every > 0 && (burst < 1 || burst >= every)) {
        throw new IllegalArgumentException("a burst of " + burst + " in every " + every + " requests");
      }
    }

    public static Rule everyNth(Kind kind, int n, String description, Predicate<Request> matches) {
      return new Rule(kind, description, matches, 0, n, 1, 0);
    }

    /** {@code length} matching requests in a row, then {@code every - length} passed on, and again. */
    public static Rule bursts(Kind kind, int length, int every, String description, Predicate<Request> matches) {
      return new Rule(kind, description, matches, 0, every, length, 0);
    }

    public static Rule firstK(Kind kind, int k, String description, Predicate<Request> matches) {
      return new Rule(kind, description, matches, k, 0, 0, 0);
    }

    public static Rule always(Kind kind, String description, Predicate<Request> matches) {
      return new Rule(kind, description, matches, Integer.MAX_VALUE, 0, 0, 0);
    }

    public static Rule slowEveryNth(int n, int delayMillis, String description, Predicate<Request> matches) {
      return new Rule(Kind.SLOW, description, matches, 0, n, 1, delayMillis);
    }

    /** Whether the {@code n}-th matching request (from 1) gets the fault. */
    boolean fires(int n) {
      // the position of n in its run of every: 1..every; the burst is the run's last positions
      return n <= first || (every > 0 && (n - 1) % every + 1 > every - burst);
    }
  }

  /** Requests of this method whose URL (path and query) contains {@code part}. */
  public static Predicate<Request> request(String method, String part) {
    return r -> (method == null || r.getMethod().getName().equals(method)) && r.getUrl().contains(part);
  }

  /**
   * A GET of an object (no query string: not a listing or an upload listing). The answer's body is
   * the object, read as a stream after the SDK returned; S3A and {@code S3Storage.readBytes} read
   * it again when it breaks off.
   */
  public static Predicate<Request> objectGet() {
    return r -> r.getMethod().getName().equals("GET") && !r.getUrl().contains("?");
  }

  /** Any request whose URL (path and query) contains {@code part}. */
  public static Predicate<Request> url(String part) {
    return r -> r.getUrl().contains(part);
  }

  private final WireMockServer server;
  private final List<ActiveRule> rules = new CopyOnWriteArrayList<>();
  private final Map<Kind, AtomicInteger> injected = new EnumMap<>(Kind.class);
  private final AtomicLong requests = new AtomicLong();

  private FaultProxy(String target, boolean journal, List<String> stripHeaders) {
    for (Kind kind : Kind.values()) {
      injected.put(kind, new AtomicInteger());
    }
    WireMockConfiguration options = WireMockConfiguration.options()
        .bindAddress("127.0.0.1")
        .dynamicPort()
        .containerThreads(32)
        .preserveHostHeader(true)
        .gzipDisabled(true)
        .stubCorsEnabled(false)
        .useChunkedTransferEncoding(Options.ChunkedEncodingPolicy.NEVER)
        .proxyTimeout(120_000)
        .extensions(new Injector());
    if (!journal) {
      options.disableRequestJournal();
    }
    server = new WireMockServer(options);
    server.start();
    ResponseDefinitionBuilder.ProxyResponseDefinitionBuilder proxied = aResponse().proxiedFrom(target);
    stripHeaders.forEach(proxied::withRemoveRequestHeader);
    server.stubFor(any(anyUrl()).willReturn(proxied));
  }

  /** A proxy to {@code target} (an S3 endpoint), without a request journal (a long run's bodies stay out of memory). */
  public static FaultProxy start(String target) {
    return new FaultProxy(target, false, List.of());
  }

  /**
   * A proxy to {@code target} that keeps every request in WireMock's journal, for {@link #requests()},
   * and drops these request headers on the way (the journal keeps them). Dropping a signed header
   * breaks the signature: only for a server without authorization.
   */
  public static FaultProxy startWithJournal(String target, String... stripHeaders) {
    return new FaultProxy(target, true, List.of(stripHeaders));
  }

  public String endpoint() {
    return "http://127.0.0.1:" + server.port();
  }

  /** Replaces the rules; counting starts again for each. An empty list passes everything on. */
  public FaultProxy rules(Rule... newRules) {
    List<ActiveRule> active = new ArrayList<>();
    for (Rule rule : newRules) {
      active.add(new ActiveRule(rule));
    }
    rules.clear();
    rules.addAll(active);
    return this;
  }

  /** Faults of this kind injected so far. */
  public int injected(Kind kind) {
    return injected.get(kind).get();
  }

  /** Faults injected so far, by kind. */
  public Map<Kind, Integer> injected() {
    Map<Kind, Integer> counts = new EnumMap<>(Kind.class);
    injected.forEach((kind, count) -> counts.put(kind, count.get()));
    return counts;
  }

  /** Requests seen so far, faulted or not. */
  public long requestsSeen() {
    return requests.get();
  }

  /** The requests in WireMock's journal (only for {@link #startWithJournal}). */
  public List<LoggedRequest> requests() {
    return server.getAllServeEvents().stream().map(ServeEvent::getRequest).toList();
  }

  /** One request in the journal and the HTTP status it was answered with. */
  public record Exchange(LoggedRequest request, int status) {}

  /**
   * The requests in WireMock's journal with their answers' status, oldest first (only for
   * {@link #startWithJournal}).
   */
  public List<Exchange> exchanges() {
    List<Exchange> exchanges = new ArrayList<>();
    for (ServeEvent event : server.getAllServeEvents()) {
      exchanges.add(new Exchange(event.getRequest(), event.getResponse() == null ? 0 : event.getResponse().getStatus()));
    }
    Collections.reverse(exchanges); // WireMock lists the newest first
    return exchanges;
  }

  /** Empties WireMock's journal: {@link #requests()} and {@link #exchanges()} start again. */
  public void clearJournal() {
    server.resetRequests();
  }

  @Override
  public void close() {
    server.stop();
  }

  private static final class ActiveRule {
    final Rule rule;
    final AtomicInteger matched = new AtomicInteger();

    ActiveRule(Rule rule) {
      this.rule = rule;
    }
  }

  /** Decides, per request, whether to pass it on (the proxy stub) or to answer with a fault. */
  private final class Injector implements ResponseDefinitionTransformerV2 {
    @Override
    public String getName() {
      return "s3-fault-injector";
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
      requests.incrementAndGet();
      Request request = event.getRequest();
      Rule firing = null;
      for (ActiveRule active : rules) {
        if (active.rule.matches().test(request)) {
          int n = active.matched.incrementAndGet();
          if (firing == null && active.rule.fires(n)) {
            firing = active.rule;
          }
        }
      }
      if (firing == null) {
        return event.getResponseDefinition();
      }
      injected.get(firing.kind()).incrementAndGet();
      return switch (firing.kind()) {
        case SLOW_DOWN -> error(503, "SlowDown", "Please reduce your request rate.");
        case INTERNAL_ERROR -> error(500, "InternalError", "We encountered an internal error. Please try again.");
        case CONNECTION_RESET -> fault(Fault.CONNECTION_RESET_BY_PEER);
        case GARBLED -> fault(Fault.RANDOM_DATA_THEN_CLOSE);
        case MALFORMED_CHUNK -> fault(Fault.MALFORMED_RESPONSE_CHUNK);
        case SLOW -> {
          pause(firing.delayMillis());
          yield event.getResponseDefinition();
        }
      };
    }

    private ResponseDefinition error(int status, String code, String message) {
      return new ResponseDefinitionBuilder()
          .withStatus(status)
          .withHeader("Content-Type", "application/xml")
          .withBody("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
              + message + "</Message><RequestId>FAULT" + requests.get() + "</RequestId></Error>")
          .build();
    }

    private ResponseDefinition fault(Fault fault) {
      return new ResponseDefinitionBuilder().withFault(fault).build();
    }

    private void pause(int millis) {
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
