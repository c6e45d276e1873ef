package org.climatehealth.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} arguments of the benchmark's child programs (started by the runner, not by people). */
final class Args {
  private Args() {}

  static Map<String, String> parse(String[] args, Set<String> known) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!known.contains(args[i]) || i + 1 >= args.length) {
        throw new IllegalArgumentException("bad argument '" + args[i] + "': expected one of " + known + " with a value");
      }
      options.put(args[i], args[++i]);
    }
    return options;
  }

  static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing " + name);
    }
    return value;
  }
}
