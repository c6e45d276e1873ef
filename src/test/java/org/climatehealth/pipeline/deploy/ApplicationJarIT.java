package org.climatehealth.pipeline.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The application jar shipped to Glue ({@code --extra-jars}) and spark-submit does not fight the
 * runtime's classpath: every class in it is ours, the bundled libraries (Typesafe Config, picocli)
 * relocated under {@code org.climatehealth.pipeline.shaded}; Spark, Hadoop, Scala, Jackson and the
 * AWS SDK stay the runtime's. The configuration travels inside it.
 */
class ApplicationJarIT {

  private static final String OURS = "org/climatehealth/pipeline/";
  /** Type names of the bundled libraries as they were before relocation, in class-file form. */
  private static final Pattern UNRELOCATED = Pattern.compile("(?<!shaded/)(com/typesafe/config/|picocli/)");

  private static Path jar;
  private static List<String> entries;

  @BeforeAll
  static void open() throws Exception {
    // the build directory holds test-classes/ (this class) and the packaged jar
    Path testClasses = Path.of(ApplicationJarIT.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    jar = testClasses.getParent().resolve("climate-health-pipeline.jar");
    assertThat(jar).as("the application jar (mvn package)").isRegularFile();
    try (JarFile file = new JarFile(jar.toFile())) {
      entries = file.stream().map(JarEntry::getName).toList();
    }
  }

  @Test
  void everyClassIsOursOrRelocatedUnderOurPackage() {
    List<String> classes = entries.stream().filter(e -> e.endsWith(".class")).toList();
    assertThat(classes).hasSizeGreaterThan(100).allMatch(e -> e.startsWith(OURS), "under " + OURS);
    assertThat(entries).noneMatch(e -> e.startsWith("com/typesafe/") || e.startsWith("picocli/")
        || e.startsWith("software/amazon/") || e.startsWith("org/apache/") || e.startsWith("scala/")
        || e.startsWith("com/fasterxml/") || e.startsWith("org/slf4j/"));
    assertThat(entries).contains(OURS + "Main.class", OURS + "shaded/config/ConfigFactory.class",
        OURS + "shaded/picocli/CommandLine.class", OURS + "deploy/GlueJobs.class");
  }

  @Test
  void nothingElseRidesAlong() {
    // top-level entries: our package, the configuration, the shipped data, and the manifest;
    // no service registrations or module descriptors of other libraries
    assertThat(entries).allMatch(e -> e.startsWith(OURS) || OURS.startsWith(e) || e.equals("reference.conf")
        || e.startsWith("conf/") || e.startsWith("data/") || e.equals("META-INF/") || e.equals("META-INF/MANIFEST.MF")
        || e.startsWith("META-INF/maven/org.climatehealth/") || "META-INF/maven/".equals(e), "ours");
  }

  @Test
  void noClassRefersToTheLibrariesUnderTheirOriginalNames() throws IOException {
    List<String> offenders = new ArrayList<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry entry : file.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
        try (InputStream in = file.getInputStream(entry)) {
          // class-file constant pools hold type names as modified UTF-8; ISO-8859-1 keeps them as text
          String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
          if (UNRELOCATED.matcher(text).find()) {
            offenders.add(entry.getName());
          }
        }
      }
    }
    assertThat(offenders).isEmpty();
  }

  @Test
  void theConfigurationAndTheMainClassAreInside() throws IOException {
    assertThat(entries).contains("reference.conf", "conf/aws.conf", "conf/local.conf");
    try (JarFile file = new JarFile(jar.toFile())) {
      assertThat(file.getManifest().getMainAttributes().getValue("Main-Class"))
          .isEqualTo("org.climatehealth.pipeline.Main");
      for (String conf : List.of("conf/aws.conf", "conf/local.conf")) {
        try (InputStream in = file.getInputStream(file.getJarEntry(conf))) {
          assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).as(conf)
              .isEqualTo(Files.readString(Path.of(conf)));
        }
      }
      try (InputStream in = file.getInputStream(file.getJarEntry("reference.conf"))) {
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
            .isEqualTo(Files.readString(Path.of("src/main/resources/reference.conf")));
      }
    }
  }
}
