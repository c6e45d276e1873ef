package org.climatehealth.pipeline.generate;

import java.util.SplittableRandom;

/**
 * The generator's random numbers: a {@link SplittableRandom} plus the few distributions it needs,
 * written with {@link StrictMath} so the same seed gives the same values (and bytes) on every JVM
 * and whether or not the code has been JIT-compiled.
 */
final class Rng {
  private final SplittableRandom random;

  Rng(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /**
   * An independent stream for one purpose ({@code stream}) and one item ({@code index}) of a run:
   * the same (seed, stream, index) always gives the same numbers, whatever else the run does.
   */
  static Rng of(long seed, String stream, long index) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (int i = 0; i < stream.length(); i++) {
      h = mix(h ^ stream.charAt(i));
    }
    return new Rng(mix(h ^ mix(index + 0x632BE59BD9B4E019L)));
  }

  /** SplitMix64's finaliser. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1). */
  double uniform() {
    return random.nextDouble();
  }

  double uniform(double from, double to) {
    return from + (to - from) * random.nextDouble();
  }

  /** Uniform in [0, bound). */
  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** Uniform in [from, to]. */
  int between(int from, int to) {
    return from + random.nextInt(to - from + 1);
  }

  boolean chance(double p) {
    return random.nextDouble() < p;
  }

  /** Standard normal (Box-Muller, one value per call). */
  double gaussian() {
    double u1 = 1.0 - random.nextDouble(); // (0, 1]
    double u2 = random.nextDouble();
    return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
  }

  /** Exponential with the given mean. */
  double exponential(double mean) {
    return -mean * StrictMath.log(1.0 - random.nextDouble());
  }

  /** Poisson: exact (Knuth) for small means, normal approximation above 30. */
  long poisson(double mean) {
    if (!(mean > 0)) {
      return 0;
    }
    if (mean < 30) {
      double limit = StrictMath.exp(-mean);
      long k = 0;
      double p = random.nextDouble();
      while (p > limit) {
        k++;
        p *= random.nextDouble();
      }
      return k;
    }
    return Math.max(0, Math.round(mean + StrictMath.sqrt(mean) * gaussian()));
  }

  /** Binomial(n, p): exact for small n, Poisson or normal approximations above; always in [0, n]. */
  long binomial(long n, double p) {
    if (n <= 0 || p <= 0) {
      return 0;
    }
    if (p >= 1) {
      return n;
    }
    if (n < 25) {
      long k = 0;
      for (long i = 0; i < n; i++) {
        if (random.nextDouble() < p) {
          k++;
        }
      }
      return k;
    }
    double mean = n * p;
    if (mean < 10) {
      return Math.min(n, poisson(mean));
    }
    if (n * (1 - p) < 10) {
      return n - Math.min(n, poisson(n * (1 - p)));
    }
    long k = Math.round(mean + StrictMath.sqrt(mean * (1 - p)) * gaussian());
    return Math.max(0, Math.min(n, k));
  }
}
