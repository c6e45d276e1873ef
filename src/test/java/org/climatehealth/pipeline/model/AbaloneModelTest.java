package org.climatehealth.pipeline.model;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.climatehealth.pipeline.UsageError;
import org.climatehealth.pipeline.config.ModelSettings;
import org.climatehealth.pipeline.storage.StorageFactory;
import org.climatehealth.pipeline.testing.TestSettings;
import org.climatehealth.pipeline.testing.TestSpark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AbaloneModelTest {

  /** The test MSE observed with the shipped data and the default settings (seed 42, test fraction 0.2). */
  private static final double OBSERVED_MSE = 5.1035;

  private static SparkSession spark;
  private static StorageFactory stores;
  private static ModelSettings.Abalone defaults;
  private static Dataset<Row> shipped;
  private static TrainedModel trained;

  @TempDir Path dir;

  @BeforeAll
  static void trainOnTheShippedData() {
    long started = System.nanoTime();
    spark = TestSpark.session();
    var settings = TestSettings.local();
    stores = new StorageFactory(settings.s3());
    defaults = settings.models().abalone();
    long session = System.nanoTime();
    shipped = AbaloneModel.read(spark, Optional.empty(), stores);
    long read = System.nanoTime();
    trained = AbaloneModel.train(shipped, defaults);
    long done = System.nanoTime();
    System.out.printf(Locale.ROOT, "abalone: session %.1f s, read %.1f s, trained in %.1f s; metrics %s; gate: %s%n",
        (session - started) / 1e9, (read - session) / 1e9, (done - read) / 1e9, trained.metrics(),
        trained.gate().message());
  }

  @AfterAll
  static void closeStores() {
    stores.close();
  }

  @Test
  void theDefaultSettingsAreTheSeeds() {
    assertThat(defaults.data()).isEmpty();
    assertThat(defaults.testFraction()).isEqualTo(0.2);
    assertThat(defaults.seed()).isEqualTo(42L);
    assertThat(defaults.maxMse()).isEqualTo(6.0);
  }

  @Test
  void theShippedDataIsTheUciData() {
    assertThat(shipped.schema()).isEqualTo(AbaloneModel.SCHEMA);
    assertThat(shipped.count()).isEqualTo(4177);
    Map<String, Long> bySex = new java.util.TreeMap<>();
    for (Row row : shipped.groupBy("sex").count().collectAsList()) {
      bySex.put(row.getString(0), row.getLong(1));
    }
    assertThat(bySex).containsExactly(Map.entry("F", 1307L), Map.entry("I", 1342L), Map.entry("M", 1528L));
    double meanRings = shipped.agg(avg(col("rings"))).first().getDouble(0);
    assertThat(meanRings).isCloseTo(9.9337, within(0.00005));
  }

  @Test
  void trainingWithTheDefaultsPassesTheGate() {
    assertThat(trained.name()).isEqualTo("abalone");
    assertThat(trained.algorithm()).isEqualTo("GBTRegressor");
    assertThat(trained.metrics()).containsOnlyKeys("mse", "rmse", "r2", "mae");
    double mse = trained.metrics().get("mse");
    assertThat(mse).isLessThanOrEqualTo(6.0).isCloseTo(OBSERVED_MSE, within(0.005));
    assertThat(trained.metrics().get("rmse")).isCloseTo(Math.sqrt(mse), within(1e-9));
    assertThat(trained.metrics().get("r2")).isCloseTo(0.516, within(0.005));
    assertThat(trained.metrics().get("mae")).isCloseTo(1.612, within(0.005));

    assertThat(trained.gate().passed()).isTrue();
    assertThat(trained.gate().metric()).isEqualTo("mse");
    assertThat(trained.gate().comparison()).isEqualTo("<=");
    assertThat(trained.gate().threshold()).isEqualTo(6.0);
    assertThat(trained.gate().value()).isEqualTo(mse);
    assertThat(trained.gate().message()).contains("within the gate's maximum 6.0000");

    assertThat(trained.training().rows() + trained.evaluation().rows()).isEqualTo(4177);
    assertThat((double) trained.evaluation().rows() / 4177).isCloseTo(0.2, within(0.02));
    assertThat(trained.training().split()).isEqualTo("seeded random split: test fraction 0.2, seed 42");
    assertThat(trained.evaluation().split()).isEqualTo(trained.training().split());
    assertThat(trained.training().from()).isNull();
    assertThat(trained.features()).containsExactly("sex", "length", "diameter", "height", "whole_weight",
        "shucked_weight", "viscera_weight", "shell_weight");
    assertThat(trained.label()).isEqualTo("rings (age ≈ rings + 1.5 years)");
    assertThat(trained.parameters()).containsEntry("test_fraction", 0.2).containsEntry("seed", 42L)
        .containsKeys("max_iter", "max_depth", "step_size");
    assertThat(trained.rowsExcluded()).isEmpty();
  }

  @Test
  void aStricterGateFailsSayingByHowMuch() {
    double mse = trained.metrics().get("mse");
    var strict = AbaloneModel.gate(trained.metrics(), new ModelSettings.Abalone(Optional.empty(), 0.2, 42, 1.0),
        trained.training().rows());
    assertThat(strict.passed()).isFalse();
    assertThat(strict.threshold()).isEqualTo(1.0);
    assertThat(strict.message()).isEqualTo(String.format(Locale.ROOT,
        "mse %.4f is %.4f above the gate's maximum 1.0000", mse, mse - 1.0));
    var unmeasured = AbaloneModel.gate(Map.of("mse", Double.NaN), defaults, 12);
    assertThat(unmeasured.passed()).isFalse();
    assertThat(unmeasured.message()).isEqualTo(
        "mse could not be computed: the test split is empty (12 rows in all, test fraction 0.2)");
  }

  @Test
  void theSavedPipelinePredictsTheSame() throws IOException {
    Path saved = dir.resolve("abalone-model");
    trained.model().write().save(saved.toString());
    PipelineModel loaded = PipelineModel.load(saved.toString());

    Dataset<Row> features = shipped.drop("rings");
    List<Row> before = trained.model().transform(features).select(AbaloneModel.PREDICTION).collectAsList();
    List<Row> after = loaded.transform(features).select(AbaloneModel.PREDICTION).collectAsList();
    assertThat(before).hasSize(4177);
    assertThat(after).isEqualTo(before);
    assertThat(before.stream().mapToDouble(r -> r.getDouble(0)).distinct().count()).isGreaterThan(100);
  }

  @Test
  void aUserFileWithUpperCaseSpacedReorderedHeadersAndExtraColumnsIsRead() throws IOException {
    Path file = write("mine.csv",
        "\uFEFF Rings ,NOTE, SEX ,Length,Diameter,Height,Whole Weight,Shucked-Weight,VISCERA_WEIGHT,shell_weight\r\n"
            + "15,first,M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15\r\n"
            + "\r\n"
            + "7, second , f ,0.35,0.265,0.09,0.2255,0.0995,0.0485,0.07\r\n");
    Dataset<Row> data = AbaloneModel.read(spark, Optional.of(file.toString()), stores);
    assertThat(data.schema()).isEqualTo(AbaloneModel.SCHEMA);
    assertThat(data.collectAsList().stream().map(Row::toString)).containsExactly(
        "[M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15]",
        "[F,0.35,0.265,0.09,0.2255,0.0995,0.0485,0.07,7]");
    // file: spelling of the same file
    assertThat(AbaloneModel.read(spark, Optional.of("file:" + file), stores).count()).isEqualTo(2);
  }

  @Test
  void aMissingColumnIsAUsageErrorNamingTheFileAndTheColumn() throws IOException {
    Path file = write("no-rings.csv", "sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,"
        + "shell_weight\nM,0.455,0.365,0.095,0.514,0.2245,0.101,0.15\n");
    assertThatThrownBy(() -> AbaloneModel.read(spark, Optional.of(file.toString()), stores))
        .isInstanceOf(UsageError.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("required column 'rings' is missing");
  }

  @Test
  void badRowsAreCountedAndTheFirstIsShown() throws IOException {
    Path file = write("bad.csv", AbaloneModel.HEADER + "\n"
        + "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n"
        + "X,0.35,0.265,0.09,0.2255,0.0995,0.0485,0.07,7\n"
        + "F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9\n"
        + "M,0.44,0.365,0.125,0.516,abc,0.114,0.155,10\n");
    assertThatThrownBy(() -> AbaloneModel.read(spark, Optional.of(file.toString()), stores))
        .isInstanceOf(UsageError.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("2 rows are not valid abalone records")
        .hasMessageContaining("line 3 (sex 'X' is not M, F or I): X,0.35,0.265,0.09,0.2255,0.0995,0.0485,0.07,7")
        .hasMessageNotContaining("\n");
  }

  @Test
  void everyKindOfBadRowIsRefused() {
    String good = "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15";
    Map<String, String> reasonByRow = new java.util.LinkedHashMap<>();
    reasonByRow.put(",0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15", "sex is missing");
    reasonByRow.put("m,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15", null);
    reasonByRow.put("Male,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15", "sex 'Male' is not M, F or I");
    reasonByRow.put("M,0.455,,0.095,0.514,0.2245,0.101,0.15,15", "diameter is missing");
    reasonByRow.put("M,0.455,0.365,-0.095,0.514,0.2245,0.101,0.15,15", "height -0.095 is negative");
    reasonByRow.put("M,0.455,0.365,0.0,0.514,0.2245,0.101,0.15,15", null);
    reasonByRow.put("M,0.455,0.365,0.095,NA,0.2245,0.101,0.15,15", "whole_weight 'NA' is not a number");
    reasonByRow.put("M,0.455,0.365,0.095,0.514,0.2245,0.101,NaN,15", "shell_weight 'NaN' is not a number");
    reasonByRow.put("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,0", "rings 0 is not a whole number ≥ 1");
    reasonByRow.put("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,7.5", "rings 7.5 is not a whole number ≥ 1");
    reasonByRow.put("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15.0", null);
    reasonByRow.put("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,", "rings is missing");
    reasonByRow.put("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15", "the row does not have the header's 9 fields");
    reasonByRow.put("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15,x", "the row does not have the header's 9 fields");
    List<String> lines = new ArrayList<>(List.of(AbaloneModel.HEADER, good));
    lines.addAll(reasonByRow.keySet());

    Map<String, String> found = new java.util.LinkedHashMap<>();
    for (Row row : AbaloneModel.check(spark, "all.csv", lines).orderBy(AbaloneModel.LINE).collectAsList()) {
      found.put(lines.get(row.getInt(0) - 1), row.getString(1));
    }
    Map<String, String> expected = new java.util.LinkedHashMap<>();
    expected.put(good, null);
    expected.putAll(reasonByRow);
    assertThat(found).containsExactlyEntriesOf(expected);

    long bad = reasonByRow.values().stream().filter(java.util.Objects::nonNull).count();
    assertThatThrownBy(() -> AbaloneModel.parse(spark, "all.csv", lines))
        .isInstanceOf(UsageError.class)
        .hasMessageStartingWith("all.csv: " + bad + " rows are not valid abalone records")
        .hasMessageEndingWith("line 3 (sex is missing): ,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15");
    assertThatThrownBy(() -> AbaloneModel.parse(spark, "one.csv", List.of(AbaloneModel.HEADER, good, "M,1,1,1,1,1,1,1,0")))
        .hasMessageContaining("one.csv: 1 row is not a valid abalone record (");
  }

  @Test
  void aFileThatDoesNotExistIsAClearError() {
    Path missing = dir.resolve("nowhere.csv");
    assertThatThrownBy(() -> AbaloneModel.read(spark, Optional.of(missing.toString()), stores))
        .isInstanceOf(UsageError.class)
        .hasMessageStartingWith("file:" + missing + ": no such file");
    assertThatThrownBy(() -> AbaloneModel.read(spark, Optional.of("hdfs://x/y.csv"), stores))
        .isInstanceOf(UsageError.class)
        .hasMessageContaining("malformed location");
  }

  @Test
  void locationsAreParsedIntoAStoreAndAKey() {
    var s3 = AbaloneModel.Source.parse("s3://my-bucket/data/abalone.csv");
    assertThat(s3.store().toString()).isEqualTo("s3://my-bucket");
    assertThat(s3.key()).isEqualTo("data/abalone.csv");
    assertThat(s3.toString()).isEqualTo("s3://my-bucket/data/abalone.csv");
    var file = AbaloneModel.Source.parse("file:///tmp/x/abalone.csv");
    assertThat(file.store().toString()).isEqualTo("file:/tmp/x");
    assertThat(file.key()).isEqualTo("abalone.csv");
    var relative = AbaloneModel.Source.parse("data/abalone.csv");
    assertThat(relative.toString()).isEqualTo("file:" + Path.of("data/abalone.csv").toAbsolutePath());
    assertThatThrownBy(() -> AbaloneModel.Source.parse("s3://my-bucket")).isInstanceOf(UsageError.class)
        .hasMessageContaining("names a bucket, not a file");
  }

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }
}
