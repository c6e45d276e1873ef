package org.climatehealth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The machine a benchmark ran on: cores, CPU, memory, load. Read from {@code /proc} where there is
 * one (Linux); "unknown" or -1 elsewhere.
 *
 * @param loadAverageAtStart the 1, 5 and 15 minute load averages when described
 */
record Machine(int cores, String cpu, long memoryTotalBytes, long memoryAvailableBytes, String loadAverageAtStart,
    String os, String java) {

  static Machine describe() {
    return new Machine(Runtime.getRuntime().availableProcessors(), cpuModel(), meminfo("MemTotal"),
        meminfo("MemAvailable"), currentLoadAverage(), System.getProperty("os.name") + " " + System.getProperty("os.version")
        + " " + System.getProperty("os.arch"), System.getProperty("java.vm.name") + " " + System.getProperty(
        "java.version"));
  }

  /** The 1, 5 and 15 minute load averages, e.g. {@code 2.31 3.70 5.07}. */
  static String currentLoadAverage() {
    return lines(Path.of("/proc/loadavg")).stream().findFirst()
        .map(l -> String.join(" ", List.of(l.split("\\s+")).subList(0, 3))).orElse("unknown");
  }

  private static String cpuModel() {
    return lines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
        .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
  }

  private static long meminfo(String field) {
    Optional<String> line = lines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith(field + ":")).findFirst();
    return line.map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(-1L);
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }
}
